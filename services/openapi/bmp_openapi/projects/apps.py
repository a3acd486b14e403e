from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "bmp_openapi.projects"
    label = "projects"
    verbose_name = "Projects"

    def ready(self):
        from bmp_openapi.accounts import services as accounts
        from bmp_openapi.projects.services import projects_of_deleted_user

        # A deleted user's projects and shares go with them.
        if projects_of_deleted_user not in accounts.USER_DELETE_HOOKS:
            accounts.USER_DELETE_HOOKS.append(projects_of_deleted_user)
