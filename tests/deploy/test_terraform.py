"""The container environment in terraform matches what the application reads, in both directions.

Application side: every ``env.<type>("NAME", ...)`` call in the base and production settings (parsed
with ``ast``, so a name built from a dict of bucket variables counts too), every ``os.environ``/
``os.getenv`` read in ``docker/gunicorn.conf.py`` and every ``$NAME`` in ``docker/entrypoint.sh``.
Terraform side: the names of the ECS task definitions' ``environment`` and ``secrets``, which all
come from the locals of ``terraform/modules/ecs/environment.tf``, read with python-hcl2. python-hcl2
cannot share a virtualenv with checkov, so it lives in ``.venv-hcl2`` (``make check-deploy`` creates
it) and is run here as a subprocess that prints JSON.
"""

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILES = [ROOT / "config/settings/base.py", ROOT / "config/settings/production.py"]
GUNICORN_CONF = ROOT / "docker/gunicorn.conf.py"
ENTRYPOINT = ROOT / "docker/entrypoint.sh"
ECS_MODULE = ROOT / "terraform/modules/ecs"
SQS_MODULE = ROOT / "terraform/modules/sqs"
HCL2_PYTHON = ROOT / ".venv-hcl2/bin/python"

# Names whose value must never sit in a task definition in clear text.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|API_KEY)$|^REDIS_URL$")

_DUMP = """
import json, sys
from pathlib import Path
import hcl2

out = {}
for name in sys.argv[1:]:
    with open(name) as handle:
        out[name] = hcl2.load(handle)
json.dump(out, sys.stdout)
"""


# --- Application side --------------------------------------------------------------------------


def _module_string_dicts(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level ``NAME = {"k": "ENV_NAME", ...}`` assignments whose values are all strings."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            values = node.value.values
            if values and all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = [v.value for v in values]
    return found


def _is_env_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "env"
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"


def settings_env_names(path: Path) -> set[str]:
    """Names read through django-environ's ``env`` in one settings module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    string_dicts = _module_string_dicts(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_env_call(node)):
            continue
        if not node.args:
            raise AssertionError(f"{path.name}:{node.lineno}: env call without a variable name")
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
        elif isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id in string_dicts:
            names.update(string_dicts[arg.value.id])
        else:
            # A name this collector cannot see would silently escape the comparison: refuse instead.
            raise AssertionError(f"{path.name}:{node.lineno}: cannot tell which variable {ast.unparse(arg)} is")
    return names


def python_environ_names(path: Path) -> set[str]:
    """Names read with ``os.environ[...]``, ``os.environ.get(...)`` or ``os.getenv(...)``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()

    def is_os_environ(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        )

    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and is_os_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and (
                (func.attr in {"get", "setdefault"} and is_os_environ(func.value))
                or (func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os")
            ):
                key = node.args[0]
        if key is not None:
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise AssertionError(f"{path.name}:{node.lineno}: cannot tell which variable {ast.unparse(key)} is")
            names.add(key.value)
    return names


def shell_env_names(path: Path) -> set[str]:
    """Upper-case variables a shell script expands (its own locals are lower-case)."""
    text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))


def application_names() -> set[str]:
    names: set[str] = set()
    for path in SETTINGS_FILES:
        names |= settings_env_names(path)
    return names | python_environ_names(GUNICORN_CONF) | shell_env_names(ENTRYPOINT)


# --- Terraform side ----------------------------------------------------------------------------


def load_hcl(paths: list[Path]) -> dict[str, dict]:
    if not HCL2_PYTHON.exists():
        pytest.fail(
            f"{HCL2_PYTHON.relative_to(ROOT)} is missing: the terraform side is parsed with python-hcl2 from its "
            "own virtualenv. Create it with `make check-deploy` (or `bash scripts/check-deploy.sh --tools-only`).",
            pytrace=False,
        )
    result = subprocess.run(
        [str(HCL2_PYTHON), "-c", _DUMP, *map(str, paths)], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"python-hcl2 could not parse the terraform files:\n{result.stderr}", pytrace=False)
    return json.loads(result.stdout)


def _unquote(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _locals(parsed: dict[str, dict]) -> dict[str, object]:
    merged: dict[str, object] = {}
    for document in parsed.values():
        for block in document.get("locals", []):
            for key, value in block.items():
                if key != "__is_block__":
                    merged[_unquote(key)] = value
    return merged


def _resources(parsed: dict[str, dict], resource_type: str) -> dict[str, dict]:
    found = {}
    for document in parsed.values():
        for block in document.get("resource", []):
            for rtype, by_name in block.items():
                if _unquote(rtype) == resource_type:
                    found.update({_unquote(name): body for name, body in by_name.items()})
    return found


@pytest.fixture(scope="module")
def ecs_module() -> dict[str, dict]:
    return load_hcl(sorted(ECS_MODULE.glob("*.tf")))


@pytest.fixture(scope="module")
def terraform_env(ecs_module) -> dict[str, set[str]]:
    """Plain and secret variable names the task definitions receive, from the ecs module's locals."""
    local = _locals(ecs_module)
    for required in ("app_environment", "app_secrets", "role_environment", "container_base"):
        assert required in local, f"local.{required} not found in {ECS_MODULE.relative_to(ROOT)}"
    plain = {_unquote(k) for k in local["app_environment"]}
    for role_names in local["role_environment"].values():
        plain |= {_unquote(k) for k in role_names}
    secrets = {_unquote(k) for k in local["app_secrets"]}
    return {"plain": plain, "secrets": secrets, "all": plain | secrets}


# --- Tests -------------------------------------------------------------------------------------


def test_the_task_definitions_are_built_from_the_environment_locals(ecs_module):
    """The locals compared below really are what the containers get (and nothing is added elsewhere)."""
    local = _locals(ecs_module)
    container_base = re.sub(r"\s+", " ", local["container_base"])
    assert "environment = [for name, value in merge(local.app_environment, local.role_environment[role])" in (
        container_base
    ), "the containers' environment is not app_environment + role_environment"
    assert "secrets = [for name, arn in local.app_secrets" in container_base, "secrets are not app_secrets"
    task_definitions = _resources(ecs_module, "aws_ecs_task_definition")
    assert set(task_definitions) == {"role"}, "one for_each task definition resource, fed by the locals"
    role = task_definitions["role"]
    assert role["for_each"] == "${local.container_definitions}"
    assert role["container_definitions"] == "${each.value}"
    definitions = local["container_definitions"]
    assert set(definitions) == {"web", "worker", "beat", "migrate"}
    for name, expression in definitions.items():
        assert f'local.container_base["{name}"]' in expression
        assert "environment" not in expression and "secrets" not in expression, f"{name} adds variables outside"


def test_collectors_see_names_in_every_form():
    """Guards against a collector that quietly finds nothing (which would make the contract vacuous)."""
    settings = set().union(*(settings_env_names(p) for p in SETTINGS_FILES))
    assert {"DJANGO_SECRET_KEY", "DATABASE_PASSWORD", "OPERATOR_TIME_ZONE"} <= settings
    assert {"S3_FILE_BUCKET", "S3_ISSUANCE_BUCKET"} <= settings  # via the _BUCKET_ENV dict
    assert {"GUNICORN_WORKERS", "PORT"} <= python_environ_names(GUNICORN_CONF)
    assert {"CELERY_LOG_LEVEL", "CELERY_BEAT_SCHEDULE_FILE"} <= shell_env_names(ENTRYPOINT)


def test_every_variable_the_application_reads_is_set_by_terraform(terraform_env):
    missing = application_names() - terraform_env["all"]
    assert not missing, (
        f"read by the application but not set in terraform/modules/ecs/environment.tf: {sorted(missing)}"
    )


def test_terraform_sets_only_variables_the_application_reads(terraform_env):
    unread = terraform_env["all"] - application_names()
    assert not unread, f"set in terraform/modules/ecs/environment.tf but read by no settings module: {sorted(unread)}"


def test_secrets_come_from_secrets_manager_only(terraform_env):
    assert not terraform_env["plain"] & terraform_env["secrets"], "a name is both plain and secret"
    in_clear = {name for name in terraform_env["plain"] if SECRET_NAME.search(name)}
    assert not in_clear, f"secret-looking values set in clear text: {sorted(in_clear)}"
    assert {"DJANGO_SECRET_KEY", "DATABASE_PASSWORD"} <= terraform_env["secrets"]


def test_queue_names_are_the_ones_the_settings_derive():
    """SQS_QUEUE_PREFIX + the suffixes Celery routes to = the queues the sqs module creates."""
    base = (ROOT / "config/settings/base.py").read_text()
    suffixes = set(re.findall(r'f"\{SQS_QUEUE_PREFIX\}([a-z0-9-]+)"', base))
    assert suffixes, 'no f"{SQS_QUEUE_PREFIX}..." queue names found in base.py'
    queues = _locals(load_hcl(sorted(SQS_MODULE.glob("*.tf"))))["queues"]
    created = set(re.findall(r'"([a-z0-9-]+)"', queues))
    assert created == suffixes


# Arguments the code uses that the AWS provider gained in a given release: its floor must admit none
# older (terraform would otherwise accept a provider that rejects the configuration at plan time).
ARGUMENTS_SINCE = {"user_pool_tier": (5, 83)}


def test_the_aws_provider_floor_admits_every_argument_the_code_uses():
    files = sorted(p for p in (ROOT / "terraform").rglob("*.tf") if ".terraform" not in p.parts)
    text = "\n".join(p.read_text() for p in files)
    needed = max((since for name, since in ARGUMENTS_SINCE.items() if re.search(rf"\b{name}\s*=", text)), default=None)
    assert needed, "no versioned argument found: the table above is stale"
    constraints = re.findall(r'source\s*=\s*"hashicorp/aws"\s*\n\s*version\s*=\s*"([^"]+)"', text)
    assert len(constraints) >= len(list((ROOT / "terraform").rglob("versions.tf"))), "an aws provider without a version"
    for constraint in constraints:
        floor = re.search(r"(?:>=|~>)\s*(\d+)\.(\d+)", constraint)
        assert floor and (int(floor[1]), int(floor[2])) >= needed, f"aws provider {constraint!r} admits < {needed}"
