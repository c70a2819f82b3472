#!/usr/bin/env bash
# Installs what Tandem's tests, demo and benchmarks need on a fresh Debian 12 machine:
# Debian packages (MariaDB + Galera + garbd, rsync for state transfers, xmllint, vsftpd + openssl
# for the FTP delivery tests, keepalived + arping for the logical IP, prometheus + promtool for the
# metrics test, nats-server for the events test, snmptrapd + snmp and rsyslog for the SNMP trap and
# syslog test, stunnel4 for Galera state transfers over TLS, systemd for `systemd-analyze verify`
# of the units) and the npm
# packages of package-lock.json. Idempotent: a second run installs nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  mariadb-server mariadb-client mariadb-backup galera-4 galera-arbitrator-4
  rsync libxml2-utils iproute2 procps vsftpd openssl keepalived arping prometheus nats-server
  snmptrapd snmp rsyslog stunnel4 systemd ansible ansible-lint
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Tests and the demo run their own Galera members on their own ports; the distro's single
# server is not used (stop it if the package started one, so it holds no memory).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mariadb 2>/dev/null; then
  systemctl stop mariadb || true
fi
# Likewise the distro's Prometheus service: tests start their own on a free loopback port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # `npm install --no-save` rather than `npm ci`: with npm 11 the lock file omits other platforms'
  # optional packages (Biome's binaries), which `npm ci` then reports as missing.
  npm install --no-audit --no-fund --no-save --loglevel=error
fi
