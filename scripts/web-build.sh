#!/usr/bin/env bash
# Rebuilds the web client from its locked npm dependencies, type-checks it,
# runs its unit tests, and fails when the committed bundle in web/dist differs
# from what the sources build to.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
  echo "web-build: npm is not installed; it is needed to rebuild web/dist" >&2
  exit 1
fi

(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent check && npm run --silent build && npm test --silent)

if ! git diff --exit-code --stat -- web/dist; then
  echo "web-build: web/dist is stale: the sources build to a different bundle." >&2
  echo "web-build: run scripts/web-build.sh and commit web/dist." >&2
  exit 1
fi
if [ -n "$(git ls-files --others --exclude-standard -- web/dist)" ]; then
  echo "web-build: web/dist has files that are not committed:" >&2
  git ls-files --others --exclude-standard -- web/dist >&2
  exit 1
fi
echo "web-build: web/dist is up to date"
