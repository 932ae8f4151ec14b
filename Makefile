# The two set-up commands of the README: `make run` and `make test`.
# Each step leaves a stamp in .make/ so re-running is fast when nothing changed.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMPS  := .make
BUNDLE  := designer/components/dist/statewright-canvas.js
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-fast e2e lint bench soak install assets chromium image clean

run: install assets
	.venv/bin/statewright serve

# Unit and integration tests spread over every core; browser tests run one at a time, as
# each drives a server and a Chromium of its own.
test: install assets chromium
	$(PY) -m pytest -n auto tests
	$(PY) -m pytest e2e
	.venv/bin/ruff check .
	.venv/bin/lint-imports

test-fast: install
	$(PY) -m pytest tests -x -q

e2e: install assets chromium
	$(PY) -m pytest e2e

lint: install
	.venv/bin/ruff check .
	.venv/bin/lint-imports

bench: install
	$(PIP) install --quiet -e '.[bench]'
	.venv/bin/statewright bench --suite all

# The crash soak (a worker SIGKILLed 200 times mid-run, then every step checked exactly once)
# and the recovery time after a kill, on SQLite and on PostgreSQL: minutes, so not in `bench`.
POSTGRES ?= postgresql://postgres@127.0.0.1:5432/test
soak: install
	.venv/bin/statewright bench --suite soak
	.venv/bin/statewright bench --suite soak --db $(POSTGRES)
	.venv/bin/statewright bench --suite recovery
	.venv/bin/statewright bench --suite recovery --db $(POSTGRES)

install: $(STAMPS)/install

$(STAMPS)/install: pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev,messaging]'
	@touch $@

assets: $(BUNDLE)

$(BUNDLE): assets/package.json assets/package-lock.json $(shell find assets/src -type f 2>/dev/null) assets/vite.config.js
	cd assets && npm ci --no-audit --no-fund --loglevel=error && npm run build
	@touch $@

# Browser tests drive Debian's Chromium; Playwright cannot download its own here.
chromium:
	@test -x $(CHROMIUM) || { (apt-get update -qq || sudo apt-get update -qq) && \
	  (apt-get install -y -qq chromium || sudo apt-get install -y -qq chromium); }

# The container image (docs/deploy.md), with podman or else docker; IMAGE names the tag.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
IMAGE   ?= statewright:$(VERSION)
image:
	$(shell command -v podman || command -v docker) build -t $(IMAGE) .

clean:
	rm -rf .venv $(STAMPS) assets/node_modules designer/components/dist
