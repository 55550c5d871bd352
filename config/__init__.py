# Load Celery with Django so shared tasks bind to this app.
from config.celery_app import app as celery_app

__all__ = ("celery_app",)
