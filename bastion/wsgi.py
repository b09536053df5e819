"""WSGI entry point for gunicorn and other WSGI servers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bastion.settings")
application = get_wsgi_application()

from bastion.kernel.memory import freeze_start_up_objects  # noqa: E402 - needs Django set up

freeze_start_up_objects()  # start-up objects out of every later garbage collection (ADR 0055)
