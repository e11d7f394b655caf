# GSP-ERP developer commands. `make run` and `make test` work on a fresh machine with
# Python 3.11: they create .venv, install the pinned dependencies and use the embedded
# PostgreSQL under var/ unless DATABASE_URL points elsewhere.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WITH_DB := $(BIN)/python bin/with-db
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test db db-stop migrate demo lint messages browser-deps clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

db: install
	$(WITH_DB)

db-stop:
	$(WITH_DB) --stop

migrate: install
	$(WITH_DB) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(WITH_DB) $(BIN)/python manage.py load_demo

run: demo
	$(WITH_DB) $(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	$(WITH_DB) $(BIN)/python manage.py runserver $(HOST):$(PORT)

browser-deps:
	$(BIN)/python bin/ensure-chromium

test: install browser-deps
	$(WITH_DB) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Seeds (once) 200,000 lots and 1,000,000 stock moves into the database gsp_erp_bench and
# prints the median time of the hot inventory paths beside the bare-SQL floor.
bench: install
	$(WITH_DB) $(BIN)/python manage.py bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: install
	$(WITH_DB) $(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var
	$(WITH_DB) $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	-$(WITH_DB) --stop
	rm -rf $(VENV) var
