# Fengqiao: `make run` starts the demo, `make test` runs the whole suite. Both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo always runs on its own SQLite file with eager tasks and without two-step verification
# for staff (the login page says so), whatever the shell exports.
DEMO := env -u DATABASE_URL -u REDIS_URL DEBUG=1 STAFF_OTP_REQUIRED=0

.PHONY: run test lint format migrate seed worker beat clean messages bench load backup restore chaos

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

migrate: $(VENV)/.runtime
	$(DEMO) $(PY) manage.py migrate --noinput

seed: migrate
	$(DEMO) $(PY) manage.py seed_demo --scale demo

# The demo: SQLite, no broker (tasks run eagerly), seeded data, on http://127.0.0.1:8000
run: seed
	@echo ""
	@echo "Fengqiao demo on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(DEMO) $(PY) manage.py runserver $(HOST):$(PORT)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# ruff, migrations in step with the models, then pytest. DATABASE_URL / REDIS_URL select
# PostgreSQL and Redis (CI sets both); without them the suite runs on SQLite and skips,
# with a reason, the tests that need a service.
test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

# Regenerate the translation catalogues after changing user-facing strings (needs GNU gettext).
messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l zh_Hans -l en --no-location --ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=tests --ignore=bench
	$(PY) manage.py makemessages -d djangojs -l zh_Hans -l en --no-location --ignore=.venv --ignore=staticfiles --ignore=static/vendor --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A config worker -l info

beat: $(VENV)/.runtime
	$(VENV)/bin/celery -A config beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache

# Time the main requests against the configured database (PostgreSQL with `seed_demo --scale city`
# for the real figures); prints a table and writes bench/results.json (not committed).
# Production mode (DEBUG=0: cached templates, manifest static files), with the field keys the data was
# seeded with (the development keys unless FIELD_ENCRYPTION_KEY / FIELD_HASH_KEY are set).
BENCH_ENV = env DEBUG=0 SECRET_KEY=bench-only-not-a-secret ALLOWED_HOSTS=localhost,127.0.0.1 \
	STATIC_ROOT=$(CURDIR)/bench/static FIELD_ENCRYPTION_KEY="$${FIELD_ENCRYPTION_KEY:-$(DEV_FIELD_KEY)}" \
	FIELD_HASH_KEY="$${FIELD_HASH_KEY:-dev-only-hash-key}"
DEV_FIELD_KEY := ZmVuZ3FpYW8tZGV2LW9ubHktZmllbGQta2V5LTAwMDA=
BENCH_ARGS ?=

bench: $(VENV)/.runtime
	$(BENCH_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(BENCH_ENV) $(PY) manage.py bench $(BENCH_ARGS)

# Load test (issue 8): gunicorn with production settings on 127.0.0.1, locust mixing officers, landlords and
# volunteers at rising rates (LOAD_STEPS, req/s; LOAD_SECONDS each) until p95 passes 200 ms or a request
# fails, then the best rate held for CONFIRM seconds; peak worker memory. Needs DATABASE_URL (PostgreSQL,
# seeded: `seed_demo --scale city` for the real figures; it writes declarations, events and visits) and
# REDIS_URL. LOAD_ARGS passes more options (scripts/load/run.py --help), e.g. --worker-class gthread.
# Prints a table and writes bench/load.json (not committed).
LOAD_STEPS ?= 100,200,300,400,500
LOAD_SECONDS ?= 60
CONFIRM ?= 300
LOAD_ARGS ?=

$(VENV)/.load: requirements.txt requirements-load.txt | $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements-load.txt
	touch $(VENV)/.runtime $@

load: $(VENV)/.load
	$(PY) scripts/load/run.py --steps $(LOAD_STEPS) --step-seconds $(LOAD_SECONDS) --confirm-seconds $(CONFIRM) $(LOAD_ARGS)

# Back up the configured database (pg_dump custom format, or the SQLite file) and the media files
# into a new folder under BACKUP_DIR; `make restore BACKUP=backups/<folder>` checks its checksums,
# asks, then replaces the database's contents and the media folder.
BACKUP_DIR ?= backups
backup: $(VENV)/.runtime
	$(PY) manage.py backup --to $(BACKUP_DIR)

restore: $(VENV)/.runtime
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<folder>"; exit 2; }
	$(PY) manage.py restore $(BACKUP)

# Faults (issue 9), on loopback with services of its own (a private PostgreSQL cluster, a Redis
# without persistence; run as root, initdb runs as the postgres user): 1,000 rectification notices
# issued while two Celery workers are SIGKILLed three times and Redis is restarted once, then every
# notice checked (one PDF each, 0 missing, 0 duplicate numbers); then PostgreSQL stopped for a few
# seconds under HTTP load against gunicorn (quick 503s, then all 200 from the same workers).
# About two minutes; exits non-zero on a failed check. CHAOS_ARGS: scripts/chaos/run.py --help.
CHAOS_ARGS ?=
chaos: $(VENV)/.dev
	env -u DATABASE_URL -u REDIS_URL $(PY) scripts/chaos/run.py $(CHAOS_ARGS)
