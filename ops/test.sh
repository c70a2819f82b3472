#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, lints, then runs the unit tests and the
# integration tests (real MariaDB Galera pair + garbd on loopback, real gRPC, real processes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/setup.sh
npm test
