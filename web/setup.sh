#!/usr/bin/env bash
# Installs what building and testing the web app needs, and nothing that is there already:
# Node's packages (`npm ci` when node_modules is missing or older than package-lock.json)
# and Debian's Chromium for the end-to-end tests (apt, as root or through sudo).
# Node itself must be 20.19 or newer (Vite's floor); this script checks, it does not install it.
#   setup.sh build   Node's packages only (what `make demo` needs)
#   setup.sh test    also Chromium (what `make test` needs); the default
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-test}"
case "$mode" in build|test) ;; *) echo "usage: $0 build|test" >&2; exit 2 ;; esac

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "web/setup.sh: node and npm are needed (Node 20.19 or newer)" >&2
  exit 1
fi
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "web/setup.sh: Node $(node --version) is too old: Vite needs 20.19 or newer" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "web/setup.sh: npm ci"
  npm ci --no-audit --no-fund
fi

[ "$mode" = test ] || exit 0

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "web/setup.sh: Chromium is missing at $chromium and installing it needs root: apt-get install chromium" >&2
      exit 1
    fi
  fi
  echo "web/setup.sh: apt-get install chromium"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
