# finstream: the two commands that matter are `make demo` and `make test`.
# Builds share a target directory outside the clone, so CI and fresh clones stay warm.

SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/finstream/target
SERVICES := deploy/local/services.sh
HTTP ?= 127.0.0.1:8080
DATA_DIR ?= data

.PHONY: help demo build test test-unit lint fmt setup setup-test services-up services-down services-status

help:
	@echo "make demo            run everything in one process (embedded backends, synthetic market) on http://$(HTTP)"
	@echo "make test            install what is missing, start Kafka, Redis, Cassandra, a schema registry and S3 on loopback, run every test, stop them"
	@echo "make test-unit       tests that need no services"
	@echo "make lint            rustfmt check and clippy -D warnings"
	@echo "make services-up     start the local services (deploy/local); services-down stops them, services-status shows them"

setup:
	@deploy/local/setup.sh build

setup-test:
	@deploy/local/setup.sh test

build: setup
	cargo build --workspace --all-targets

demo: setup
	cargo build --bin finstream
	$(CARGO_TARGET_DIR)/debug/finstream run --http $(HTTP) --data-dir $(DATA_DIR)

test-unit: setup
	cargo test --workspace

# Starts the services, runs every test (including those marked as needing services),
# and stops the services whatever the outcome.
test: setup-test
	@$(SERVICES) up
	@set -o pipefail; eval "$$($(SERVICES) env)"; \
	  status=0; cargo test --workspace -- --include-ignored || status=$$?; \
	  $(SERVICES) down; exit $$status

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
