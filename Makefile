# The README's two commands: `make run` (set up and serve the demo site on
# http://127.0.0.1:8000) and `make test` (set up and run the test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Production settings served over plain HTTP on loopback for the local demo.
RUN_ENV := DJANGO_DEBUG=0 DJANGO_HTTPS=0 \
	DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost \
	DJANGO_SECRET_KEY="$$(cat var/secret_key)"

.PHONY: install install-dev run setup test superuser browser-test loadtest bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	chmod 600 var/secret_key

setup: install var/secret_key
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py import_sources --publish
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: setup
	$(RUN_ENV) $(BIN)/gunicorn clinic.wsgi --config gunicorn.conf.py

superuser: var/secret_key
	$(RUN_ENV) $(BIN)/python manage.py createsuperuser

test: install-dev
	$(BIN)/pytest

browser-test: install-dev
	$(BIN)/pytest -m browser

# Load and fault suite, and the serving benchmark (docs/performance.md). Both need
# wrk (apt-get install wrk) and build their own sites in a temporary folder.
loadtest: install-dev
	$(BIN)/python bench/loadtest.py

bench: install-dev
	$(BIN)/python bench/serve_bench.py
