# The two commands of the README: `make run` and `make test`. Both create .venv when missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB_DEPS := web/node_modules/.package-lock.json

.PHONY: help run test lint types unit integration concurrency e2e browser template shifted-clock faketime chromium bench load openapi layer-requirements clean

help:
	@echo "make run    - the whole system locally (MiniStack + dev OIDC issuer), demo program loaded"
	@echo "make test   - everything: lint, types, unit, integration, concurrency, template, e2e, browser"
	@echo "make bench  - DynamoDB calls, items, capacity units and latency ratios per operation, and the AWS cost table"
	@echo "make load   - 50 members on every member route for a minute through a local stack; books checked after"
	@echo "make openapi - export docs/openapi.json from the code"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP) $(WEB_DEPS)
	$(BIN)/loyalty-local up

test: $(STAMP) lint types layer-requirements-check $(WEB_DEPS) chromium
	$(MAKE) --no-print-directory shifted-clock
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadgroup tests/template tests/e2e tests/browser

# The in-process suites (unit, integration, concurrency) run once, with the machine's clock 400
# days ahead: they read only the engine's injected clock, which every test fixes, so a test or a
# line of code that reads the real date fails here, whatever day CI runs on. (Run twice, on the
# real and the shifted date, they cost a third of the suite for no more proof: neither date is
# the tests' own.) The end-to-end suites run on the real clock: the local stack is real software.
SHIFT ?= +400d
shifted-clock: $(STAMP) faketime
	faketime -f '$(SHIFT)' $(BIN)/python -m pytest -p no:cacheprovider -q -n 2 --dist loadgroup \
	  tests/unit tests/integration tests/concurrency

# Debian's faketime, installed when missing (make test runs as root on CI and dev machines).
faketime:
	@command -v faketime >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime; }

# The console's and member page's one dependency (ECharts, pinned in web/package-lock.json),
# installed by npm when missing or when the lock file changed; nothing is fetched at run time.
$(WEB_DEPS): web/package-lock.json
	npm ci --prefix web --no-audit --no-fund
	@touch $(WEB_DEPS)

# The browser tests drive Debian's Chromium (Playwright's own download is not used), with a CJK
# font so Chinese is drawn, not shown as empty boxes. Installed when missing, like faketime.
chromium:
	@test -x /usr/bin/chromium && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

browser: $(STAMP) $(WEB_DEPS) chromium
	$(BIN)/python -m pytest -q tests/browser

lint: $(STAMP)
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration

concurrency: $(STAMP)
	$(BIN)/python -m pytest -q tests/concurrency

e2e: $(STAMP)
	$(BIN)/python -m pytest -q tests/e2e

template: $(STAMP)
	$(BIN)/python -m pytest -q tests/template

bench: $(STAMP)
	$(BIN)/python -m bench

# Not part of make test: it starts a local stack of its own on free ports (LOAD_ARGS=--running
# uses the one `make run` started) and takes about two minutes.
LOAD_ARGS ?=
load: $(STAMP)
	$(BIN)/python -m bench.load $(LOAD_ARGS)

openapi: $(STAMP)
	$(BIN)/python -m loyalty_local.openapi > docs/openapi.json
	@echo "wrote docs/openapi.json"

# The layer's requirements come from pyproject's runtime dependencies, never by hand.
layer-requirements: $(STAMP)
	$(BIN)/python -m loyalty_local.requirements > layers/loyalty/requirements.txt

layer-requirements-check: $(STAMP)
	@diff <($(BIN)/python -m loyalty_local.requirements) layers/loyalty/requirements.txt \
	  || (echo "layers/loyalty/requirements.txt is stale: run make layer-requirements" && exit 1)

clean:
	rm -rf $(VENV) .aws-sam .local .mypy_cache .ruff_cache .hypothesis web/node_modules
