from django.urls import path

from bmp_openapi.accounts import apis

urlpatterns = [
    path("local/users", apis.LocalUserApi.as_view(), name="describe-local-user"),
]
