#!/usr/bin/env bash
# Install the web client's dependencies from its lock file and build it into client/dist, which the API serves
# at "/". With --check it also verifies the client's API types against openapi/openapi.json and runs its unit
# tests first.
set -euo pipefail
cd "$(dirname "$0")/../client"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not installed: the web client cannot be built (Node.js 20.19 or newer is needed)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
if [ "${1:-}" = "--check" ]; then
  npm run --silent check:api
  npx vitest run --reporter=dot
fi
npm run --silent build
