#!/usr/bin/env bash
# The whole suite (`npm test`: build, typecheck, vitest) on Node.js 22, from the same node_modules:
# CI's second run (.ci/run), also `npm run test:node22`. Node 22 comes from scripts/node22.sh; its
# vitest counts go to reports/vitest-node22.json, beside the first run's reports/vitest.json.
set -uo pipefail
cd "$(dirname "$0")/.."
node22="$(bash scripts/node22.sh)" || { echo "Node.js 22 could not be installed from the npm registry."; exit 1; }
# First on PATH, so npm and every `node` it starts (build, vitest, the tests' child processes) is 22.
export PATH="$(dirname "$node22"):$PATH"
version="$(node --version)"
case "$version" in
  v22.*) echo "npm test on Node.js $version" ;;
  *) echo "node on PATH is $version, not 22: $node22 did not take its place."; exit 1 ;;
esac
npm test -- --outputFile.json=reports/vitest-node22.json
