"""The Celery application. Settings come from Django settings under the CELERY_ prefix."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("bigtree", task_cls="apps.core.celery:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The audit queue's batch consumer (it decides at start-up, from the settings, whether it runs).
app.steps["consumer"].add("apps.audit.consumer:AuditBatchConsumer")


@signals.worker_init.connect
def refuse_timing_beyond_visibility(**kwargs):
    """A worker whose limits or delays reach the SQS visibility timeout does not start."""
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from apps.core.celery import timing_problems

    problems = timing_problems()
    if problems:
        raise ImproperlyConfigured("Celery timing breaks the SQS visibility rule: " + " ".join(problems))
