#!/usr/bin/env bash
# Installs a Docker registry (Debian docker-registry, the distribution project) for the dockerclient
# tests of pull-on-create, when missing. The package must not start a system-wide registry:
# test/harness/registry.ts runs its own on a loopback port.
set -euo pipefail
[ -x /usr/bin/docker-registry ] && exit 0
policy=/usr/sbin/policy-rc.d made=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made=1; fi
log=$(mktemp)
apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry)
ok=0
if "${apt[@]}" >"$log" 2>&1; then ok=1
elif apt-get update -q >>"$log" 2>&1 && "${apt[@]}" >>"$log" 2>&1; then ok=1; fi
[ "$made" = 1 ] && rm -f "$policy"
if [ "$ok" != 1 ]; then tail -n 20 "$log" >&2; rm -f "$log"; echo "install-registry.sh: docker-registry install failed" >&2; exit 1; fi
rm -f "$log"
[ -x /usr/bin/docker-registry ] || { echo "install-registry.sh: /usr/bin/docker-registry missing after install" >&2; exit 1; }
