#!/usr/bin/env bash
# The host adapters' tests, in each host's own runtime: installs the hosts (cached, scripts/hosts/install.sh),
# type-checks the adapters against the hosts' types, and runs test/hosts on the Node.js 24 installed beside
# them. Expects `npm run build` to have run (npm test does): the tests load the built adapter packages.
# Vitest's counts land in reports/hosts.json; a failed install or type-check is reported there as one failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p reports
rm -f reports/hosts.json

fail() {
  echo "$1" >&2
  printf '{"numPassedTests":0,"numFailedTests":1,"success":false}\n' > reports/hosts.json
  exit 1
}

bash scripts/hosts/install.sh >/dev/null || fail "The host runtimes could not be installed."
node24="$PWD/hosts/node_modules/.bin/node"
echo "Host adapter tests on Node $("$node24" --version)"
node node_modules/typescript/bin/tsc -p hosts/tsconfig.json || fail "The host adapters do not type-check against the hosts' types."
"$node24" node_modules/vitest/vitest.mjs run --config test/hosts/vitest.config.ts "$@"
