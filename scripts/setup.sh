#!/usr/bin/env bash
# Installs what ownkey's build and tests need on a fresh Debian machine:
# Chromium for the browser tests, PyCryptodome for the reference benchmark,
# and the Go modules. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# OWNKEY_SETUP_TESTS=0 (run.sh) installs only what running ownkey needs.
need_apt=()
if [ "${OWNKEY_SETUP_TESTS:-1}" != 0 ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  /usr/bin/python3 -c 'import Cryptodome' >/dev/null 2>&1 || need_apt+=(python3-pycryptodome)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${need_apt[*]} from Debian's packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${need_apt[@]}" >/dev/null
fi

echo "setup: downloading Go modules"
go mod download
