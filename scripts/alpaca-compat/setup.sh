#!/usr/bin/env bash
# Installs Alpaca's official Python SDK (the version in requirements.txt) into a venv for
# the black-box compatibility test (tests/alpaca_sdk.rs runs sdk_check.py with it).
#
#   scripts/alpaca-compat/setup.sh    # into $FINSTREAM_ALPACA_VENV, by default
#                                     # $HOME/.cache/finstream/venv-alpaca
#
# Idempotent and quiet when the pinned version is already there.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
venv="${FINSTREAM_ALPACA_VENV:-$HOME/.cache/finstream/venv-alpaca}"
want="$(sed -n 's/^alpaca-py==//p' "$here/requirements.txt")"

have="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("alpaca-py"))' 2>/dev/null || true)"
if [ "$have" = "$want" ]; then exit 0; fi

echo "alpaca-compat: installing alpaca-py $want into $venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
