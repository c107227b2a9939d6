#!/usr/bin/env bash
# Usage: install-deb.sh PACKAGE BINARY
# Installs a Debian package that provides a server the tests run themselves on a loopback port
# (openssh-server for test/harness/sshd.ts, docker-registry for test/harness/registry.ts), when
# BINARY is missing. The package must not start a system-wide server, so policy-rc.d forbids it.
set -euo pipefail
pkg=$1 bin=$2
[ -x "$bin" ] && exit 0
policy=/usr/sbin/policy-rc.d made=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made=1; fi
log=$(mktemp)
apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg")
ok=0
if "${apt[@]}" >"$log" 2>&1; then ok=1
elif apt-get update -q >>"$log" 2>&1 && "${apt[@]}" >>"$log" 2>&1; then ok=1; fi
[ "$made" = 1 ] && rm -f "$policy"
if [ "$ok" != 1 ]; then tail -n 20 "$log" >&2; rm -f "$log"; echo "install-deb.sh: $pkg install failed" >&2; exit 1; fi
rm -f "$log"
[ -x "$bin" ] || { echo "install-deb.sh: $bin missing after installing $pkg" >&2; exit 1; }
