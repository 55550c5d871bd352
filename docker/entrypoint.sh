#!/bin/sh
# Role dispatcher: the same image runs the web server, a Celery worker, Celery beat or migrations.
# exec hands PID 1 to the real process so ECS's SIGTERM reaches it directly.
set -eu

role="${1:-web}"
[ $# -gt 0 ] && shift

case "$role" in
  web)
    exec gunicorn config.wsgi:application --config docker/gunicorn.conf.py "$@"
    ;;
  worker)
    exec celery -A config.celery_app worker --loglevel "${CELERY_LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
    ;;
  beat)
    exec celery -A config.celery_app beat --loglevel "${CELERY_LOG_LEVEL:-INFO}" "$@"
    ;;
  migrate)
    exec python manage.py migrate --noinput "$@"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  *)
    echo "unknown role: $role (expected web, worker, beat, migrate or manage)" >&2
    exit 64
    ;;
esac
