#!/usr/bin/env bash
# The demo: installs what is missing, builds, then runs a Galera pair + garbd, the CAM pair (two
# nodes, a local logical IP) and four synthetic LAMs, kills the active node halfway, and checks
# that nothing was lost or doubled.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/setup.sh
npm run --silent build
exec node dist/ops/demo.js "$@"
