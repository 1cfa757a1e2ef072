#!/usr/bin/env bash
# Set up a virtualenv with the test dependencies and run the whole test suite.
# The suite runs on an embedded SQLite file; set TEST_DATABASE_URL (e.g.
# postgresql://postgres@127.0.0.1:5432/test) to run it on PostgreSQL instead.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
# The web client: types checked against the API's contract, unit tests, production build (served in the tests).
./scripts/build-client.sh --check
# The browser tests use Debian's Chromium; install it where we may (CI runs as root on Debian).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
status=0
.venv/bin/python -m pytest -q "$@" || status=$?
# pytest exits 5 when it collected no test: that is a failure of the suite, not a pass.
if [ "$status" -eq 5 ]; then
  echo "no tests were collected" >&2
fi
exit "$status"
