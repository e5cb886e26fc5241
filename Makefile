# Two commands set everything up: `make run` and `make test` (`make test-pg`: the same on PostgreSQL).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run site demo test test-pg screenshots lint bench bench-smoke bench-nginx clean

# Try it: a brand-new site gets the demo once (remembered in the database; `flask --app app remove-demo` removes it).
run: $(VENV)/.runtime
	$(FLASK) init-db
	$(FLASK) demo --first-run
	$(FLASK) run --host 127.0.0.1 --port 5000

# A real site: the database without the demo, which `make run` then never loads.
site: $(VENV)/.runtime
	$(FLASK) init-db --without-demo

# The demo, asked for: into a site without articles.
demo: $(VENV)/.runtime
	$(FLASK) init-db
	$(FLASK) demo

test: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on a throwaway PostgreSQL cluster, started and removed by the script.
test-pg: $(VENV)/.dev node_modules/.installed
	scripts/with-postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

# Refreshes the committed screenshots the README shows.
screenshots: $(VENV)/.dev
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser/test_screenshots.py tests/browser/test_newsroom.py -q

# Throughput as a share of a bare Flask app on its own gunicorn, same settings (needs wrk); the table goes to bench/results.txt.
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py --seconds 12 --articles 200

# The site through nginx on the shipped deploy/nginx/ledger.conf, as a share of that nginx sending the same pages
# as files from disk, and reads counted through it checked exact (needs wrk and nginx-light); bench/results-nginx.txt.
bench-nginx: $(VENV)/.dev
	$(BIN)/python bench/nginx.py --seconds 12 --articles 200

# The same run in a few seconds, only to show it works (CI); its table goes to test-artifacts/.
bench-smoke: $(VENV)/.dev
	$(BIN)/python bench/run.py --seconds 1 --articles 5 --output test-artifacts/bench-smoke.txt

lint: $(VENV)/.dev
	$(BIN)/ruff check .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# axe-core and the Nu HTML checker, for the accessibility and validity tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules
