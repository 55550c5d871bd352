# Bigtree Assist — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local
TESTENV := DJANGO_SETTINGS_MODULE=config.settings.test

.PHONY: help install run test lint format check migrations-check pytest bench clean messages

help:
	@echo "make run    set everything up (venv, database, catalogs, demo accounts) and serve on http://$(HOST):$(PORT)"
	@echo "make test   lint, Django checks, migrations check and the test suite on MySQL"
	@echo "make bench  benchmarks with printed figures"
	@echo "make fuzz   a deeper schemathesis run against /v1/schema/"

$(STAMP): requirements/base.txt requirements/local.txt
	@bash scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/local.txt
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py import_geo --if-empty
	$(LOCAL) $(BIN)/python manage.py load_exchange_rates apps/masters/data/exchange_rates_demo.csv
	$(LOCAL) $(BIN)/python manage.py generate_demo_data --if-empty --providers 300 --locations 600 --vouchers 300
	$(LOCAL) $(BIN)/python manage.py bootstrap_demo
	@echo "Admin:  http://$(HOST):$(PORT)/admin/   API docs: http://$(HOST):$(PORT)/v1/docs/"
	$(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	@bash scripts/check-services.sh $(BIN)/python
	$(TESTENV) $(BIN)/python manage.py check --fail-level WARNING
	$(TESTENV) $(BIN)/python manage.py makemigrations --check --dry-run

# The suite runs on PYTEST_WORKERS pytest-xdist processes, each with its own test database
# (test_bigtree_gw0, ...), moto server and browser. On the 2-vCPU CI machine (2026-12-06) its 1,791
# tests took 11 min 40 s in one process and 6 min 58 s in two. `--dist load`, not loadscope: each
# worker keeps pytest-django's order, so the transactional tests, which empty the database, come after
# the tests that read the rows the migrations seed. PYTEST_WORKERS=0: one process (for --pdb, -x).
PYTEST_WORKERS ?= 2
pytest: install
	$(BIN)/pytest --create-db -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)
	@# The geo search must also be right on SQLite, the database of `make run`.
	TEST_DATABASE_URL=sqlite:///$(CURDIR)/var/sqlite-test.db $(BIN)/pytest --create-db -q tests/providers/test_search.py

# The deployment checks (terraform, checkov, hadolint, bandit) are part of the test command.
test: lint check check-deploy check-security pytest

# Schemathesis against /v1/schema/, deeper than the bounded run of `make test` (10 examples per operation,
# 15 stateful scenarios per identity): every check, the coverage phase and the stateful phase, with
# FUZZ_EXAMPLES per operation and FUZZ_STATEFUL_EXAMPLES linked scenarios per identity.
FUZZ_EXAMPLES ?= 100
FUZZ_STATEFUL_EXAMPLES ?= 200
.PHONY: fuzz
fuzz: install
	@bash scripts/check-services.sh $(BIN)/python
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_STATEFUL_EXAMPLES=$(FUZZ_STATEFUL_EXAMPLES) $(BIN)/pytest --create-db -q \
		-n $(PYTEST_WORKERS) --dist load tests/fuzz

bench: install
	@bash scripts/check-services.sh $(BIN)/python
	$(BIN)/python bench/run.py
	$(BIN)/python bench/provider_search.py
	$(BIN)/python bench/event_list.py
	$(BIN)/python bench/growth.py
	$(BIN)/python bench/usage_plan.py
	$(BIN)/python bench/audit_pipeline.py
	$(BIN)/python bench/bordereau.py
	$(BIN)/python bench/storm.py

# Deployment checks that need no AWS and no Docker: terraform parses (python-hcl2) and is formatted
# (terraform 1.0.3), checkov passes, hadolint and shellcheck are clean, and the task definitions set
# exactly the environment the settings read. Tools live in .venv-hcl2/ and .venv-checkov/.
.PHONY: check-deploy deploy-tools
check-deploy: install
	@bash scripts/check-deploy.sh

# Only the tool virtualenvs (tests/deploy needs .venv-hcl2 to parse the terraform files).
deploy-tools:
	@bash scripts/check-deploy.sh --tools-only

# bandit on the code; pip-audit on the pinned requirements. pip-audit needs an advisory database:
# where none is reachable (this build machine) it says so loudly and only warns under CI.
.PHONY: check-security
check-security: install
	@bash scripts/check-security.sh

messages: install
	$(LOCAL) $(BIN)/python manage.py makemessages -l es --no-obsolete --ignore '.venv*' --ignore var --ignore tests --ignore bench
	$(LOCAL) $(BIN)/python manage.py compilemessages --ignore '.venv*'

clean:
	rm -rf var .pytest_cache .ruff_cache
