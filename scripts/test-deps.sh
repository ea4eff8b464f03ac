#!/usr/bin/env bash
# Installs the tools the tests use when they are missing: poppler-utils
# (pdftotext) and Chromium from Debian, python-docx from PyPI. Idempotent.
set -euo pipefail

apt_packages=()
command -v pdftotext >/dev/null 2>&1 || apt_packages+=(poppler-utils)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v curl >/dev/null 2>&1 || apt_packages+=(curl)
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "test-deps: installing ${apt_packages[*]} with apt-get"
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-deps: installing Debian packages needs root: ${apt_packages[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if ! python3 -c 'import docx' >/dev/null 2>&1; then
  echo "test-deps: installing python-docx with pip"
  python3 -m pip install --quiet python-docx
fi

for tool in node npm cargo; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-deps: $tool is missing" >&2; exit 1; }
done
echo "test-deps: ready"
