#!/usr/bin/env bash
# Installs the real peers the tests run against, when they are missing: Docker engine and busybox
# (test/harness/engine.sh), and the Debian servers other suites need. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/engine.sh" install
bash "$here/install-deb.sh" openssh-server /usr/sbin/sshd   # dockerclient ssh:// tests (test/harness/sshd.ts)
command -v etcd >/dev/null || (export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q --no-install-recommends etcd-server >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends etcd-server >/dev/null; })  # discovery tests (test/harness/etcd.ts)
bash "$here/install-deb.sh" docker-registry /usr/bin/docker-registry   # dockerclient pull-on-create tests (test/harness/registry.ts)
