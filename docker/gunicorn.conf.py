"""gunicorn settings for the web role (``docker/entrypoint.sh web``).

Sizes and timeouts come from the task's environment, so one image fits every task size. Logs are
one JSON object per line, like the application's own (``config/settings/base.py``), so CloudWatch
Logs Insights queries access lines, gunicorn's own lines and Django's alike.
"""

import os
from pathlib import Path

from gunicorn import glogging
from pythonjsonlogger.json import JsonFormatter

# 0.0.0.0 inside the task: only the load balancer's security group can reach the port.
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads make gunicorn use the gthread worker: keep-alive connections from the load balancer and
# requests waiting on MySQL or S3 do not hold a whole process each.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# ECS stops a task with SIGTERM and sends SIGKILL `stopTimeout` seconds later (30 s in this
# project's task definitions; Fargate allows at most 120). In-flight requests get this long to
# finish, and the master exits on its own before the SIGKILL.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Longer than the ALB's idle timeout (60 s): the balancer closes idle connections first, never a
# worker in the middle of the balancer sending the next request (which the ALB answers with a 502).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# Recycle workers now and then so a slow leak cannot grow forever; the jitter keeps them from
# restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# The ALB sets X-Forwarded-*; the task's security group admits only the ALB, so any peer is trusted.
forwarded_allow_ips = "*"
# Worker heartbeats on a tmpfs: on a disk-backed /tmp the heartbeat's fchmod can stall a worker.
# (Only gunicorn's own heartbeat files go there, created and removed by gunicorn.)
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108  # nosec B108
# No runtime control socket (gunicornc): nobody logs into a task to use it, and it would need a
# writable home directory.
control_socket_disable = True
proc_name = "bigtree-web"

accesslog = "-"  # stdout
errorlog = "-"  # stderr

# Probes hit these every few seconds (ALB, container health check); only failures are logged.
_QUIET_PATH_PREFIX = "/health/"


class JsonLogger(glogging.Logger):
    """gunicorn's logger, writing every line, access and error, as one JSON object."""

    def setup(self, cfg):
        super().setup(cfg)
        formatter = JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601, UTC
        )
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        status = int(atoms["s"])
        path = atoms["U"] or ""
        if path.startswith(_QUIET_PATH_PREFIX) and status < 400:
            return
        # Field values go through the JSON encoder, so quotes or backslashes in a path or a user agent
        # cannot break the line (gunicorn's format-string access log only escapes double quotes).
        self.access_log.info(
            "request",
            extra={
                "method": atoms["m"],
                "path": path,
                "query": atoms["q"] or "",
                "status": status,
                "bytes": atoms["B"],
                "duration_ms": atoms["M"],
                "request_id": atoms.get("{x-request-id}o"),
                "remote_addr": atoms["h"],
                "forwarded_for": atoms.get("{x-forwarded-for}i"),
                "user_agent": atoms["a"],
                "referer": atoms["f"],
                "protocol": atoms["H"],
            },
        )


logger_class = JsonLogger
