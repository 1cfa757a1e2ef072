#!/usr/bin/env bash
# Set up a virtualenv, install Cartesio, migrate the embedded SQLite database, load the demo data and serve
# the API with its web client on http://127.0.0.1:8000 (interactive docs at /docs).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
./scripts/build-client.sh
.venv/bin/cartesio db upgrade
.venv/bin/cartesio seed demo
exec .venv/bin/cartesio serve --host "${CARTESIO_HOST:-127.0.0.1}" --port "${CARTESIO_PORT:-8000}"
