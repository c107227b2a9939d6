#!/usr/bin/env bash
# Installs OpenSSH's server (Debian openssh-server) for the dockerclient ssh:// tests, when missing.
# The package must not start a system-wide sshd: test/harness/sshd.ts runs its own on a loopback port.
set -euo pipefail
[ -x /usr/sbin/sshd ] && exit 0
policy=/usr/sbin/policy-rc.d made=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made=1; fi
log=$(mktemp)
apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends openssh-server)
ok=0
if "${apt[@]}" >"$log" 2>&1; then ok=1
elif apt-get update -q >>"$log" 2>&1 && "${apt[@]}" >>"$log" 2>&1; then ok=1; fi
[ "$made" = 1 ] && rm -f "$policy"
if [ "$ok" != 1 ]; then tail -n 20 "$log" >&2; rm -f "$log"; echo "install-sshd.sh: openssh-server install failed" >&2; exit 1; fi
rm -f "$log"
[ -x /usr/sbin/sshd ] || { echo "install-sshd.sh: /usr/sbin/sshd missing after install" >&2; exit 1; }
