# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# PostgreSQL used by the second test pass when it is reachable (a throwaway database is made in it).
PG_ADMIN_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Reinstall whenever pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
FLASK := $(BIN)/flask --app portal

.PHONY: install system-deps db run test test-sqlite test-postgres clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Debian packages the project needs: chromium drives the browser tests.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian packages: chromium"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

db: install
	$(FLASK) db upgrade
	$(FLASK) criteria load

# The background worker (text extraction) runs beside the web server and stops with it.
run: db system-deps
	$(FLASK) demo load
	@echo "พอร์ทัลพร้อมใช้งานที่ http://$(HOST):$(PORT)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/huey_consumer portal.worker.huey --workers 2 --worker-type process --logfile instance/worker.log & \
	  $(FLASK) run --host $(HOST) --port $(PORT)

test: install system-deps test-sqlite test-postgres

test-sqlite: install
	$(BIN)/python -m pytest

# Runs the same suite on PostgreSQL when one answers; says so plainly when it does not.
test-postgres: install
	@if $(BIN)/python -m tests.pg_available "$(PG_ADMIN_URL)"; then \
	  echo "== PostgreSQL pass ($(PG_ADMIN_URL)) =="; \
	  TEST_PG_ADMIN_URL="$(PG_ADMIN_URL)" $(BIN)/python -m pytest -m "not browser"; \
	else echo "PostgreSQL not reachable at $(PG_ADMIN_URL): PostgreSQL pass skipped"; fi

clean:
	rm -rf $(VENV) instance .pytest_cache tests/_artifacts
