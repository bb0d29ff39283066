#!/usr/bin/env bash
# Installs the workflow hosts the adapters are tested in (n8n-core, Activepieces' framework, Node-RED) and
# Node.js 24 (npm's `node` package: n8n 2.x runs on Node 24) from hosts/package-lock.json into a cached
# folder outside the clone, keyed by the lockfile's hash, and links it as hosts/node_modules. A second run,
# or CI in a fresh clone on the same machine, reuses the folder: the ~700 MB are paid once per lockfile,
# never by the root `npm ci`. Prints the folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

cache_root="${S3_CONNECTOR_HOSTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/s3-connector/hosts}"
hash=$(cat hosts/package.json hosts/package-lock.json | sha256sum | cut -c1-16)
target="$cache_root/$hash"

if [ ! -f "$target/.installed" ]; then
  mkdir -p "$cache_root"
  staging=$(mktemp -d "$cache_root/.staging-XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  cp hosts/package.json hosts/package-lock.json "$staging/"
  echo "Installing the host runtimes into $target (once per lockfile)..." >&2
  started=$(date +%s)
  (cd "$staging" && npm ci --no-audit --no-fund --loglevel=error >&2)
  "$staging/node_modules/.bin/node" --version >/dev/null
  rm -rf "$target"
  mv "$staging" "$target"
  trap - EXIT
  echo "Installed in $(( $(date +%s) - started )) s, $(du -sh "$target/node_modules" | cut -f1)." >&2
  touch "$target/.installed"
  # Older lockfiles' folders are dead weight once the lockfile moved on.
  find "$cache_root" -mindepth 1 -maxdepth 1 -type d ! -name "$hash" ! -name '.staging-*' -exec rm -rf {} +
fi

ln -sfn "$target/node_modules" hosts/node_modules
echo "$target"
