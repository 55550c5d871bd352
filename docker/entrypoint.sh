#!/bin/sh
# Role dispatcher: one image runs the web server, a Celery worker, Celery beat, the migrations or any
# manage.py command, chosen by the first argument (the ECS task definition's `command`). Arguments
# after the role are passed on to the role's program.
#
# Every role `exec`s its program: it replaces this shell, becomes the container's main process and
# receives ECS's SIGTERM itself (a shell in between would not forward it, and ECS would SIGKILL the
# task at the stop timeout with requests or tasks still running).
set -eu

# The project root, wherever the script is started from (WORKDIR in the image, the checkout in tests).
cd "$(dirname "$0")/.."

role="${1:-web}"
if [ $# -gt 0 ]; then
  shift
fi

case "$role" in
  web)
    # Workers, threads and timeouts come from the environment: docker/gunicorn.conf.py.
    exec gunicorn config.wsgi:application --config docker/gunicorn.conf.py "$@"
    ;;
  worker)
    # Soft shutdown (Celery >= 5.5). By default SIGTERM is a *warm* shutdown, which waits for running
    # tasks with no limit, so ECS would SIGKILL the worker mid-task at the stop timeout. Remapped to
    # SIGQUIT, SIGTERM starts the cold shutdown, which first lets running tasks finish for
    # CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT seconds (a setting, kept below the stop timeout), then gives
    # the unfinished ones back to SQS (acks_late) and exits before the SIGKILL.
    # billiard reads this variable at import time, so it cannot be a Django setting.
    export REMAP_SIGTERM=SIGQUIT
    # The queues Celery's task consumer reads are listed in the settings (CELERY_WORKER_TASK_QUEUES:
    # all but the audit queue, which the worker's batch consumer reads), which Celery itself does
    # not read: they are passed with -Q. SQS has no broadcast, so the worker-to-worker
    # features that need one (gossip, mingle, heartbeat events) are turned off.
    queues="$(python -c 'from django.conf import settings; print(",".join(settings.CELERY_WORKER_TASK_QUEUES))')"
    exec celery -A config.celery_app worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" --queues "$queues" \
      --without-gossip --without-mingle --without-heartbeat "$@"
    ;;
  beat)
    # One beat per environment (the ECS service runs exactly one). Its schedule state goes to /tmp:
    # the application directory is read-only for the app user.
    exec celery -A config.celery_app beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" \
      --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" "$@"
    ;;
  migrate)
    # One-off task run by the pipeline before the services roll; exits when done.
    python manage.py migrate --noinput "$@"
    # A new environment gets its catalogs too (countries and cities: from countries.csv/cities.csv
    # in the data-source bucket when present, else the packaged data). Skipped, in a second, once
    # countries exist, so every later deploy leaves operators' catalog edits alone.
    exec python manage.py import_geo --if-empty --prefer-datasource --no-progress
    ;;
  manage)
    # Any management command, e.g. `manage createsuperuser` or `manage check --deploy`.
    exec python manage.py "$@"
    ;;
  *)
    echo "unknown role: $role (expected web, worker, beat, migrate or manage)" >&2
    exit 64
    ;;
esac
