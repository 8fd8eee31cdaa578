# finstream: the two commands that matter are `make demo` and `make test`.
# Builds share a target directory outside the clone, so CI and fresh clones stay warm.

SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/finstream/target
SERVICES := deploy/local/services.sh
HTTP ?= 127.0.0.1:8080
DATA_DIR ?= data

.PHONY: help demo build web test test-unit test-web lint fmt setup setup-test services-up services-down services-status

# The web app (web/): rebuilt when its sources change.
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json

help:
	@echo "make demo            run everything in one process (embedded backends, synthetic market) on http://$(HTTP)"
	@echo "make test            install what is missing, start Kafka, Redis, Cassandra, a schema registry and S3 on loopback, run every test, stop them"
	@echo "make test-unit       tests that need no services"
	@echo "make test-web        the web app's unit tests and its end-to-end tests in Chromium"
	@echo "make lint            rustfmt check and clippy -D warnings"
	@echo "make services-up     start the local services (deploy/local); services-down stops them, services-status shows them"

setup:
	@deploy/local/setup.sh build

setup-test:
	@deploy/local/setup.sh test

build: setup
	cargo build --workspace --all-targets

web/dist/index.html: $(WEB_SOURCES)
	@web/setup.sh build
	cd web && npm run build

web: web/dist/index.html

# The model is optional for the demo: without it, documents are off and the rest runs.
demo: setup web
	@scripts/models/fetch-minilm.sh || echo "demo: all-MiniLM-L6-v2 not installed; documents, search and answers are off"
	cargo build --bin finstream
	@echo "demo: open http://$(HTTP)/ once finstream says it is up"
	$(CARGO_TARGET_DIR)/debug/finstream run --http $(HTTP) --data-dir $(DATA_DIR)

test-unit: setup
	cargo test --workspace

# Starts the services, runs every test (including those marked as needing services),
# and stops the services whatever the outcome.
test: setup-test
	@$(SERVICES) reset kafka
	@$(SERVICES) up
	@set -o pipefail; eval "$$($(SERVICES) env)"; \
	  status=0; cargo test --workspace -- --include-ignored || status=$$?; \
	  $(SERVICES) down; \
	  $(MAKE) --no-print-directory test-web || status=$$?; exit $$status

# The web app's unit tests, and its end-to-end tests in Debian's Chromium against
# `finstream run` (no services needed); screenshots go to web/e2e/screenshots/.
test-web: web
	@web/setup.sh test
	cargo build --bin finstream
	cd web && npm test && FINSTREAM_BIN=$(CARGO_TARGET_DIR)/debug/finstream npm run test:e2e

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

services-up:
	@$(SERVICES) up

services-down:
	@$(SERVICES) down

services-status:
	@$(SERVICES) status
