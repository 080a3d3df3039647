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
JS_STAMP := tests/js/node_modules/.installed-$(shell sha1sum tests/js/package-lock.json | cut -c1-12)

.PHONY: install system-deps test-deps db run test test-sqlite test-postgres bench bench-search bench-search-pg bench-fidelity bench-soak bench-load bench-assessment clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Debian packages the project needs: libmagic (file types by content), Pango and HarfBuzz
# (WeasyPrint lays out the PDF report with them), poppler and
# Tesseract with Thai data (PDF rasterising and OCR), Thai fonts whose digits OCR matches
# (Tesseract's Thai model lacks ๔ ๖ ๗ ๘ ๙); for the tests also chromium and LibreOffice,
# which make test documents as agencies' own programs do, and ClamAV's daemon (the antivirus
# tests start their own clamd with a test signature; the system service is not used), and
# redis-server (the tests start a private one to check the redis:// rate-limit storage).
THAI_FONTS := fonts-tlwg-loma-ttf fonts-tlwg-laksaman-ttf fonts-tlwg-norasi-ttf fonts-tlwg-garuda-ttf \
  fonts-tlwg-kinnari-ttf fonts-tlwg-umpush-ttf fonts-tlwg-waree-ttf fonts-tlwg-sawasdee-ttf fonts-tlwg-typist-ttf
RUNTIME_DEBS := libmagic1 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils tesseract-ocr tesseract-ocr-tha tesseract-ocr-eng fontconfig $(THAI_FONTS)
TEST_DEBS := chromium libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui clamav-daemon redis-server
system-deps:
	@missing=$$(for p in $(RUNTIME_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

test-deps: system-deps $(JS_STAMP)
	@missing=$$(for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi

# axe-core, which the browser layout sweep injects into every page, pinned in tests/js's lock
# file; installed again whenever the lock changes.
$(JS_STAMP): tests/js/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (18 or later) with npm, e.g. Debian's nodejs and npm"; exit 1; }
	npm ci --prefix tests/js --no-audit --no-fund
	rm -f tests/js/node_modules/.installed-* && touch $@

db: install
	$(FLASK) db upgrade
	$(FLASK) criteria load

# The web server is gunicorn as in production (gunicorn.conf.py: WEB_WORKERS processes ×
# WEB_THREADS threads, JSON log lines; LOG_FORMAT=text for plain ones). The background
# worker (text extraction) runs beside it and stops with it; both keep their Prometheus
# figures in instance/metrics, emptied at each start, which /metrics adds up.
# The ready line is printed once the server answers /healthz, not before it listens.
# Ctrl+C: gunicorn runs in a session of its own, so the terminal's SIGINT reaches only this
# shell, which asks the gunicorn master to stop (SIGTERM) and waits for it; a SIGINT sent to
# the workers as well as the master's own signal could deadlock a worker half-way through
# its exit (then killed 30 s later). Then the other jobs are stopped; the ignored INT/TERM
# and the cleared EXIT trap keep that from running the trap again.
run: db system-deps
	$(FLASK) demo load
	@rm -rf instance/metrics && mkdir -p instance/metrics && export PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/instance/metrics; \
	  web=; trap 'trap "" INT TERM; trap - EXIT; [ -n "$$web" ] && kill -TERM $$web 2>/dev/null && wait $$web; \
	    kill $$(jobs -p) 2>/dev/null; wait' EXIT INT TERM; \
	  $(BIN)/huey_consumer portal.worker.huey --workers 2 --worker-type thread --logfile instance/worker.log & \
	  ( until $(BIN)/python -c "import urllib.request; urllib.request.urlopen('http://$(HOST):$(PORT)/healthz', timeout=2)" 2>/dev/null; do \
	      sleep 1; done; echo "พอร์ทัลพร้อมใช้งาน: เข้าสู่ระบบที่ http://$(HOST):$(PORT)/auth/login" ) & \
	  setsid $(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) 'portal:create_app()' & web=$$!; \
	  wait $$web

# The two passes run side by side: each spends much of its time waiting on servers, browsers
# and converters it started, so on two cores this takes about the longer pass instead of the
# sum. The PostgreSQL pass's output follows the SQLite pass's; either failing fails the run.
test: install test-deps
	@pg_log=$$(mktemp); \
	  $(MAKE) --no-print-directory test-postgres > $$pg_log 2>&1 & pg=$$!; \
	  $(MAKE) --no-print-directory test-sqlite; sqlite_status=$$?; \
	  wait $$pg; pg_status=$$?; cat $$pg_log; rm -f $$pg_log; \
	  echo "SQLite pass: $$([ $$sqlite_status = 0 ] && echo passed || echo FAILED); PostgreSQL pass: $$([ $$pg_status = 0 ] && echo passed || echo FAILED)"; \
	  [ $$sqlite_status = 0 ] && [ $$pg_status = 0 ]

test-sqlite: install
	$(BIN)/python -m pytest

# Runs the same suite on PostgreSQL when one answers; says so plainly when it does not.
test-postgres: install
	@if $(BIN)/python -m tests.pg_available "$(PG_ADMIN_URL)"; then \
	  echo "== PostgreSQL pass ($(PG_ADMIN_URL)) =="; \
	  TEST_PG_ADMIN_URL="$(PG_ADMIN_URL)" $(BIN)/python -m pytest -m "not browser"; \
	else echo "PostgreSQL not reachable at $(PG_ADMIN_URL): PostgreSQL pass skipped"; fi

bench: install system-deps
	$(BIN)/python -m bench.extract_bench
	$(BIN)/python -m bench.dashboard_bench
	$(BIN)/python -m bench.limits_bench

# The assessment overview and the coverage overview at 300 agencies (teams of 3, judgements,
# consensus); target ≤ 300 ms p95 for both (about a minute).
bench-assessment: install
	$(BIN)/python -m bench.assessment_overview

# Thai search at 10k and 100k pages: indexing split into tokenising and writing, query
# latency (cold and warm) with and without an agency filter.
bench-search: install
	$(BIN)/python -m bench.search_bench --pages 10000 --pages 100000 --repeats 3

# The PostgreSQL search engine at 100k and 1M pages on the loopback server (a throwaway
# database, dropped after): 20k distinct pages tokenised and written, the rest copies made on
# the server (about 35 minutes here, most of it building the 1M table's text indexes, and
# ~35 GB of disk while it runs).
bench-search-pg: install
	$(BIN)/python -m bench.search_pg_bench --pages 100000 --pages 1000000 --distinct 20000 --repeats 3

# Thai text fidelity on text nobody here wrote: the repair (a few minutes; `--sample N`
# for more), then the character error rate of upload → stored text per format and producer.
bench-fidelity: install test-deps
	$(BIN)/python -m bench.repair_bench
	$(BIN)/python -m bench.pipeline_fidelity_bench --ocr-settings

# Mixed load under gunicorn beside the worker, then every row, file and index entry checked.
bench-soak: install system-deps
	$(BIN)/python -m bench.soak_bench --seconds 300
	@if $(BIN)/python -m tests.pg_available "$(PG_ADMIN_URL)"; then \
	  $(BIN)/python -m bench.soak_bench --seconds 300 --postgres "$(PG_ADMIN_URL)"; fi

# 50 and 200 people at once (locust, 75 s each) on the embedded shape and, when PostgreSQL
# answers, the production shape (PostgreSQL, Redis, 4 gunicorn workers, 2 consumers); then
# every answered upload checked extracted and searchable. About 10 minutes.
bench-load: install system-deps
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	@if $(BIN)/python -m tests.pg_available "$(PG_ADMIN_URL)"; then \
	  $(BIN)/python -m bench.load_bench --users 50 --users 200 --seconds 75 --postgres "$(PG_ADMIN_URL)"; \
	else echo "PostgreSQL not reachable at $(PG_ADMIN_URL): the production shape is skipped"; \
	  $(BIN)/python -m bench.load_bench --users 50 --users 200 --seconds 75 --shape embedded; fi

clean:
	rm -rf $(VENV) instance .pytest_cache tests/_artifacts tests/js/node_modules
