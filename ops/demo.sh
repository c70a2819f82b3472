#!/usr/bin/env bash
# The demo: installs what is missing, builds, then runs a Galera pair + garbd, a CAM node and
# four synthetic LAMs on this machine, kills the CAM halfway, and checks that nothing was lost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/setup.sh
npm run --silent build
exec node dist/ops/demo.js "$@"
