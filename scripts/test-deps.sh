#!/usr/bin/env bash
# Installs the tools the tests use when they are missing: poppler-utils
# (pdftotext, pdftoppm, pdffonts), Chromium and the fonts of PDF exports
# from Debian, python-docx from PyPI. Idempotent.
set -euo pipefail

apt_packages=()
command -v pdftotext >/dev/null 2>&1 || apt_packages+=(poppler-utils)
[ -x /usr/bin/chromium ] || apt_packages+=(chromium)
command -v curl >/dev/null 2>&1 || apt_packages+=(curl)
# PDF exports draw Latin, Greek and Cyrillic in DejaVu Sans (with its bold
# and oblique faces), CJK in Noto Sans CJK, emoji and symbols in Symbola.
fonts=/usr/share/fonts
[ -f $fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || apt_packages+=(fonts-dejavu-core)
[ -f $fonts/truetype/dejavu/DejaVuSans-Oblique.ttf ] || apt_packages+=(fonts-dejavu-extra)
[ -f $fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || apt_packages+=(fonts-noto-cjk)
[ -f $fonts/truetype/ancient-scripts/Symbola_hint.ttf ] || apt_packages+=(fonts-symbola)
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
