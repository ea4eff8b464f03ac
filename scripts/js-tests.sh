#!/usr/bin/env bash
# Runs tests/js: stock Yjs clients from npm (yjs, y-websocket, y-protocols,
# y-prosemirror) on Node against the real quire binary.
#
# Uses $QUIRE_BIN when set; otherwise builds the release binary first.
# Installs the locked npm dependencies when node_modules is missing or does
# not match package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "js-tests: node and npm are needed (Node.js 18 or newer)" >&2
  exit 1
fi

if [ -n "${QUIRE_BIN:-}" ]; then
  case "$QUIRE_BIN" in
    /*) ;;
    *) QUIRE_BIN="$ROOT/$QUIRE_BIN" ;;
  esac
else
  echo "==> cargo build --release -p quire-server"
  cargo build --release -p quire-server
  QUIRE_BIN="$ROOT/target/release/quire"
fi
if [ ! -x "$QUIRE_BIN" ]; then
  echo "js-tests: $QUIRE_BIN is not an executable" >&2
  exit 1
fi
export QUIRE_BIN

cd tests/js
stamp=node_modules/.quire-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> npm ci (tests/js)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

echo "==> npm test (tests/js)"
npm test
