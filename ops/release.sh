#!/usr/bin/env bash
# Builds the release archive operators install (docs/operations.md, "Layout on a server"):
#   release/tandem-<version>.tar.gz holding tandem-<version>/ — what `npm pack` ships (dist/, the
#   profiles, the systemd units, the examples, docs) plus the production node_modules.
# The Ansible role tandem_release unpacks it to /opt/tandem/releases/<version>/ and moves `current`.
# Usage: bash ops/release.sh [OUT_DIR]   (default: release/); prints the archive's path.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-release}")"
version="$(node -p 'require("./package.json").version')"
name="tandem-${version}"

npm run build --silent
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# npm pack applies package.json "files": the release holds nothing the repository's tests need only.
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
mkdir -p "$work/$name"
tar -xzf "$work/$tarball" -C "$work/$name" --strip-components=1
cp package-lock.json "$work/$name/"
# npm pack writes every file 0644; the command operators run must be executable.
chmod 0755 "$work/$name/dist/ops/cli.js"
(cd "$work/$name" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
mkdir -p "$out"
# Same bytes for the same inputs: fixed owner and modification times, sorted names.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' \
  -czf "$out/$name.tar.gz" -C "$work" "$name"
echo "$out/$name.tar.gz"
