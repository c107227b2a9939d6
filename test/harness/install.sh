#!/usr/bin/env bash
# Installs the real peers the tests run against, when they are missing: Docker engine and busybox
# (test/harness/engine.sh), and the Debian servers other suites need. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/engine.sh" install
bash "$here/install-deb.sh" openssh-server /usr/sbin/sshd   # dockerclient ssh:// tests (test/harness/sshd.ts)
bash "$here/install-deb.sh" etcd-server /usr/bin/etcd   # discovery tests (test/harness/etcd.ts)
bash "$here/install-deb.sh" docker-registry /usr/bin/docker-registry   # dockerclient pull-on-create tests (test/harness/registry.ts)
