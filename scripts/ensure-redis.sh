#!/usr/bin/env bash
# The queue tests (test/scale/) and the bench's scale section run BullMQ on Debian's redis-server, started
# by the tests themselves on 127.0.0.1 with a free port (never as a system service).
# Idempotent: installs it with apt-get when missing and we are root; otherwise says what to run.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's redis-server for the queue tests..."
  apt-get update -qq
  # Where an init system runs, the package also starts its own service on 6379; the tests never use it.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  exit 0
fi
echo "The queue tests need Debian's redis-server: run 'sudo apt-get install -y redis-server'." >&2
exit 1
