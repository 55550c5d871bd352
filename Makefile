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
	$(LOCAL) $(BIN)/python manage.py generate_demo_data --if-empty --providers 300 --locations 600 --vouchers 300
	$(LOCAL) $(BIN)/python manage.py bootstrap_demo
	@echo "Admin:  http://$(HOST):$(PORT)/admin/   API docs: http://$(HOST):$(PORT)/v1/docs/"
	$(LOCAL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	@bash scripts/check-services.sh $(BIN)/python
	$(TESTENV) $(BIN)/python manage.py check --fail-level WARNING
	$(TESTENV) $(BIN)/python manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest --create-db $(PYTEST_ARGS)
	@# The geo search must also be right on SQLite, the database of `make run`.
	TEST_DATABASE_URL=sqlite:///$(CURDIR)/var/sqlite-test.db $(BIN)/pytest --create-db -q tests/providers/test_search.py

test: lint check pytest

bench: install
	@bash scripts/check-services.sh $(BIN)/python
	$(BIN)/python bench/run.py
	$(BIN)/python bench/provider_search.py
	$(BIN)/python bench/event_list.py

messages: install
	$(LOCAL) $(BIN)/python manage.py makemessages -l es --no-obsolete --ignore '.venv*' --ignore var
	$(LOCAL) $(BIN)/python manage.py compilemessages --ignore '.venv*'

clean:
	rm -rf var .pytest_cache .ruff_cache
