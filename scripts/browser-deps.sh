#!/usr/bin/env bash
# Installs what the browser tests need: Debian's Chromium (when missing) and
# the locked npm packages of tests/browser.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "browser-deps: installing chromium with apt-get"
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser-deps: /usr/bin/chromium is missing and installing it needs root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "browser-deps: npm is not installed; it is needed for tests/browser" >&2
  exit 1
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
echo "browser-deps: ready ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
