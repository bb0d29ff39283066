#!/usr/bin/env bash
# The browser test drives Debian's chromium through playwright-core (which never downloads a browser here).
# Idempotent: installs it with apt-get when missing and we are root; otherwise says what to run.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser test needs Debian's chromium at /usr/bin/chromium: run 'sudo apt-get install -y chromium'." >&2
exit 1
