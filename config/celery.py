"""The Celery app. Configuration comes from Django settings (``CELERY_*``).

With no ``REDIS_URL`` the settings make every task run eagerly in-process, so the demo and
the SQLite test run need no broker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fengqiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
