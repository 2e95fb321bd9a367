#!/usr/bin/env bash
# Debian packages the test suite uses beyond Python: docker-compose (validates
# docker-compose.yml without a Docker engine) and chromium (the console's browser tests drive
# /usr/bin/chromium with Playwright; Playwright's own browser download does not work here).
# Installed only when missing, and only where we may (root with apt-get); elsewhere it says
# what to install and the tests that need it skip.
set -euo pipefail
need=()
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "[setup] optional: install ${need[*]} (Debian/Ubuntu: sudo apt-get install ${need[*]}) for the compose-file and console browser tests"
fi
