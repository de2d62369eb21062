#!/usr/bin/env bash
# Installs everything the dashboard and its tests need on a fresh Debian machine:
# Debian's Chromium and HAProxy, and a virtual environment with pinned packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Chromium (chart export, browser tests), HAProxy (several processes behind one
# address: scripts/serve.sh), python3-venv (the virtual environment below), Pango and Liberation fonts.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing="$missing haproxy"
python3 -c "import ensurepip" >/dev/null 2>&1 || missing="$missing python3-venv"
# WeasyPrint (the report pack's tagged PDF) lays text out with Pango, in Liberation Sans.
ldconfig -p 2>/dev/null | grep libpangoft2-1.0.so.0 >/dev/null || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing="$missing fonts-liberation"
if [ -n "$missing" ]; then
  echo "Installing Debian packages:$missing ..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086  # one word per package
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.installed 2>/dev/null)" != "$want" ]; then
  echo "Creating .venv with pinned packages ..."
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  echo "$want" > .venv/.installed
fi
