"""The one place that reads the process environment (12-factor).

Every setting that can vary between deployments is read here through django-environ, so the
settings modules never touch ``os.environ`` and the list of knobs is in one file. A ``.env``
file at the project root is honoured for local work only if it exists; production receives its
variables from the ECS task definition (secrets from AWS Secrets Manager).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

_dotenv = BASE_DIR / ".env"
if _dotenv.is_file():
    environ.Env.read_env(str(_dotenv), overwrite=False)
