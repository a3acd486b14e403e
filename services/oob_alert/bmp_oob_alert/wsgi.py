import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bmp_oob_alert.settings")

application = get_wsgi_application()
