#!/usr/bin/env bash
# Set up a fresh Debian machine (as root) for the scanner: system packages, then the venv.
# Idempotent and quick when everything is already there. Called by `make setup`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
# Notices: WeasyPrint's libraries (Pango, HarfBuzz subsetting), CJK fonts for zh-CN PDFs, and
# poppler-utils (pdftotext, pdftoppm) for the PDF tests; lynis for the on-site benchmark;
# chromium and chromium-driver for the web application's browser tests (selenium).
for pkg in python3 python3-venv python3-pip nmap make \
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils lynis \
  chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
# A pyenv or other non-Debian python3 with venv support needs no python3-venv package.
if command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null; then
  need=("${need[@]/python3-venv}"); need=("${need[@]/python3-pip}"); need=("${need[@]/python3}")
fi
mapfile -t need < <(printf '%s\n' "${need[@]}" | grep -v '^$' || true)
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# The lab's daemons (nginx, redis, vsftpd, mosquitto, snmpd, OpenSSH, telnetd, ...).
python3 tests/lab/lab.py install

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "setup: ready (.venv)"
