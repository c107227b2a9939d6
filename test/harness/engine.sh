#!/usr/bin/env bash
# test/harness/engine.sh — real, private Docker engines for tests (no mocks).
#
# Usage:
#   engine.sh install                     install dockerd (Debian docker.io) and
#                                         busybox-static if missing; quiet, idempotent
#   engine.sh start NAME [--tls CERTDIR]  start a fresh private engine NAME
#   engine.sh stop NAME                   stop engine NAME and remove its directory
#   engine.sh stop-all                    stop every engine under the base directory
#
# Base directory: ${SWARM_TEST_DIR:-/tmp/swarm-engines}; engine NAME lives in
# BASE/NAME/ (docker.sock, docker.pid, dockerd.log, containerd.sock,
# containerd.log, data/, exec/). NAME: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 40 chars.
#
# Output of `start` (stdout; everything else goes to stderr), one key=value per
# line, then the socket URL alone on the last line:
#
#   name=NAME
#   dir=/tmp/swarm-engines/NAME
#   pid=<dockerd pid>
#   socket=unix:///tmp/swarm-engines/NAME/docker.sock
#   tcp=tcp://127.0.0.1:<port>                          (only with --tls)
#   unix:///tmp/swarm-engines/NAME/docker.sock
#
# so `DOCKER_HOST=$(engine.sh start e1 | tail -n1)` works. The same key=value
# lines are kept in BASE/NAME/engine.info while the engine runs.
#
# What an engine is: its own containerd (started by this script, socket
# BASE/NAME/containerd.sock) and its own dockerd with vfs storage, no bridge,
# no iptables, no ip-forward, cgroupfs driver, containers under cgroup parent
# /swarm-test-NAME-<hash>, swarm default advertise address 127.0.0.1, and the
# image busybox:latest (= busybox:local) imported from Debian's busybox-static
# (no registry needed). With --tls CERTDIR (files as made by certs.sh) it also
# listens on tcp://127.0.0.1:<free port> with --tlsverify, CERTDIR/ca.pem,
# server-cert.pem and server-key.pem. `start` on a NAME that exists (running or
# stale) stops and wipes it first, so every start gives an empty engine.
#
# Several engines can run at once; start/stop for different names can run
# concurrently (per-name flock in BASE/.locks/).
set -euo pipefail

BASE=${SWARM_TEST_DIR:-/tmp/swarm-engines}
DOCKER_CLI=${DOCKER_CLI:-docker}
START_TIMEOUT=${ENGINE_START_TIMEOUT:-60}
STOP_TIMEOUT=15
# Environment of the caller must not redirect our own docker CLI calls.
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_CONTEXT DOCKER_TLS DOCKER_CONFIG || true
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

die() { echo "engine.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------- install ---

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

cmd_install() {
  mkdir -p "$BASE/.locks"
  exec 8>"$BASE/.locks/install.lock"
  flock 8
  local need=()
  { pkg_installed docker.io && command -v dockerd >/dev/null && command -v containerd >/dev/null; } || need+=(docker.io)
  pkg_installed busybox-static || need+=(busybox-static)
  command -v openssl >/dev/null || need+=(openssl)   # for certs.sh
  if [ ${#need[@]} -eq 0 ]; then exec 8>&-; return 0; fi

  # No systemd here: keep the Debian package from starting a system-wide
  # dockerd/containerd (invoke-rc.d obeys policy-rc.d exit 101).
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  local log
  log=$(mktemp)
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}")
  local ok=0
  if compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null && "${apt[@]}" >"$log" 2>&1; then
    ok=1
  elif apt-get update -q >>"$log" 2>&1 && "${apt[@]}" >>"$log" 2>&1; then
    ok=1
  fi
  [ "$made_policy" = 1 ] && rm -f "$policy"
  if [ "$ok" != 1 ]; then
    tail -n 30 "$log" >&2; rm -f "$log"
    die "install of ${need[*]} failed (apt output above)"
  fi
  rm -f "$log"
  exec 8>&-
  command -v dockerd >/dev/null || die "dockerd still missing after installing docker.io"
  # The Debian package brings /usr/bin/docker (20.10 CLI); a newer CLI in
  # /usr/local/bin must stay first on PATH.
  if [ -x /usr/local/bin/docker ] && [ "$(command -v docker)" != /usr/local/bin/docker ]; then
    echo "engine.sh: warning: 'docker' resolves to $(command -v docker), not /usr/local/bin/docker" >&2
  fi
}

ensure_installed() {
  if ! command -v dockerd >/dev/null || ! command -v containerd >/dev/null || ! pkg_installed busybox-static; then
    cmd_install
  fi
}

# ----------------------------------------------------------------- helpers ---

check_name() {
  [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] || die "bad engine name '$1' (want [A-Za-z0-9][A-Za-z0-9_.-]*, <= 40 chars)"
}

# alive PID: true if PID exists and is not a zombie (PID 1 here may reap late).
alive() {
  local st
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
  st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# cmdline PID: NUL-separated argv as one space-separated line.
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# owned PID DIR: PID is a dockerd/containerd/shim/runc/docker-proxy whose
# command line mentions DIR/ — i.e. one of ours, never a recycled pid.
owned() {
  local pid=$1 dir=$2 exe
  alive "$pid" || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || echo none)
  exe=${exe% (deleted)}; exe=${exe##*/}
  case "$exe" in
    dockerd|containerd|containerd-shim*|runc|docker-proxy) ;;
    *) return 1 ;;
  esac
  [[ "$(cmdline "$pid") " == *"$dir/"* ]]
}

# kill_owned DIR: SIGKILL every process owned (see above) by DIR, until none is left.
kill_owned() {
  local dir=$1 f p again=1 n=0
  while [ "$again" = 1 ] && [ $n -lt 30 ]; do
    again=0; n=$((n + 1))
    # one grep over all command lines, then the exact check on the few candidates
    while read -r f; do
      p=${f#/proc/}; p=${p%/cmdline}
      if owned "$p" "$dir"; then kill -KILL "$p" 2>/dev/null || true; again=1; fi
    done < <(grep -lsF -- "$dir/" /proc/[0-9]*/cmdline 2>/dev/null || true)
    if [ "$again" = 1 ]; then sleep 0.1; fi
  done
}

# term_wait PID SECONDS: SIGTERM, wait, then SIGKILL and wait a little more.
term_wait() {
  local pid=$1 secs=$2 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do alive "$pid" || return 0; sleep 0.1; done
  echo "engine.sh: pid $pid did not exit after SIGTERM within ${secs}s; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do alive "$pid" || return 0; sleep 0.1; done
  echo "engine.sh: warning: pid $pid still present after SIGKILL" >&2
}

# Cgroup parent that holds this engine's containers (unique per base dir).
cgroup_parent() {
  local h
  h=$(printf '%s' "$BASE" | cksum | cut -d' ' -f1)
  echo "swarm-test-$1-$h"
}

# kill_cgroups NAME: SIGKILL every process left in the engine's cgroups, remove them.
kill_cgroups() {
  local cg d p i
  cg=$(cgroup_parent "$1")
  [ -d /sys/fs/cgroup ] || return 0
  mapfile -t dirs < <(find /sys/fs/cgroup -maxdepth 3 -type d -name "$cg" 2>/dev/null)
  [ ${#dirs[@]} -gt 0 ] || return 0
  for d in "${dirs[@]}"; do
    # frozen (paused) processes cannot die: thaw first (v1 freezer / v2 cgroup.freeze)
    find "$d" -name freezer.state -exec sh -c 'for f; do echo THAWED >"$f"; done' sh {} + 2>/dev/null || true
    find "$d" -name cgroup.freeze -exec sh -c 'for f; do echo 0 >"$f"; done' sh {} + 2>/dev/null || true
    while read -r p; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null || true; done \
      < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
  done
  for ((i = 0; i < 20; i++)); do
    for d in "${dirs[@]}"; do
      [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    local left=0
    for d in "${dirs[@]}"; do [ -d "$d" ] && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.1
  done
  echo "engine.sh: warning: could not remove cgroups ${dirs[*]}" >&2
}

# unmount_under DIR: unmount everything mounted at or below DIR (deepest first).
unmount_under() {
  local dir=$1 m
  mapfile -t mounts < <(awk -v d="$dir" '{ gsub(/\\040/, " ", $5); if ($5 == d || index($5, d "/") == 1) print $5 }' /proc/self/mountinfo | sort -r -u)
  for m in "${mounts[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "engine.sh: warning: cannot unmount $m" >&2
  done
}

# teardown NAME: stop everything belonging to BASE/NAME and remove it. Caller holds the lock.
teardown() {
  local name=$1 dir="$BASE/$1" pid f ids nets
  # 0. while dockerd answers: engines are throw-away, so SIGKILL running containers
  #    (instead of dockerd stopping each with its 10 s grace period), then remove
  #    user-defined bridge networks, whose host bridges (br-…) dockerd would keep.
  #    docker_gwbridge (swarm) is shared by all engines: see drop_gwbridge.
  if [ -S "$dir/docker.sock" ]; then
    local D=(timeout 20 "$DOCKER_CLI" -H "unix://$dir/docker.sock")
    ids=$("${D[@]}" ps -q 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || "${D[@]}" kill $ids >/dev/null 2>&1 || true
    nets=$("${D[@]}" network ls -q --filter driver=bridge --filter type=custom 2>/dev/null || true)
    nets=$(for n in $nets; do "${D[@]}" network inspect -f '{{.Name}}' "$n" 2>/dev/null; done | grep -vx docker_gwbridge || true)
    # shellcheck disable=SC2086
    [ -z "$nets" ] || "${D[@]}" network rm $nets >/dev/null 2>&1 || true
  fi
  # 1. dockerd (stops its containers on SIGTERM), pid from its pidfile or our launch record
  for f in docker.pid dockerd.launch.pid; do
    pid=$(cat "$dir/$f" 2>/dev/null || true)
    if [ -n "$pid" ] && owned "$pid" "$dir"; then term_wait "$pid" "$STOP_TIMEOUT"; fi
  done
  # 2. containerd
  pid=$(cat "$dir/containerd.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && owned "$pid" "$dir"; then term_wait "$pid" 5; fi
  # 3. anything else of ours still running (shims, runc, a dockerd whose pidfile was lost)
  kill_owned "$dir"
  # 4. container processes orphaned by a killed shim, then their cgroups
  kill_cgroups "$name"
  # 5. mounts (dockerd bind-mounts data/ onto itself; netns files, vfs layers...)
  unmount_under "$dir"
  # 6. the directory
  if [ -e "$dir" ]; then
    rm -rf "$dir" 2>/dev/null || { unmount_under "$dir"; rm -rf "$dir"; } || die "cannot remove $dir"
  fi
}

# Swarm mode's host bridge docker_gwbridge has a fixed name, so all engines share
# it; delete it when nothing is attached and no engine under BASE runs.
drop_gwbridge() {
  if [ -d /sys/class/net/docker_gwbridge ] && [ -z "$(ls -A /sys/class/net/docker_gwbridge/brif 2>/dev/null)" ] \
    && ! grep -qs '' "$BASE"/*/docker.pid; then
    ip link delete docker_gwbridge 2>/dev/null || true
  fi
}

lock_name() {
  mkdir -p "$BASE/.locks"
  exec 9>"$BASE/.locks/$1.lock"
  flock 9
}

# ------------------------------------------------------------ busybox image ---

# Prints the path of a cached tarball of a busybox rootfs (built once per base dir).
busybox_tar() {
  local tar="$BASE/.cache/busybox-rootfs.tar" bb tmp a
  bb=$(command -v busybox || true)
  [ -x /bin/busybox ] && bb=/bin/busybox
  [ -n "$bb" ] || die "busybox not found (engine.sh install)"
  mkdir -p "$BASE/.cache" "$BASE/.locks"
  (
    exec 7>"$BASE/.locks/image.lock" && flock 7 || exit 1
    if [ -s "$tar" ] && [ "$tar" -nt "$bb" ]; then exit 0; fi
    tmp=$(mktemp -d "$BASE/.cache/rootfs.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/rootfs"/{bin,etc,root,tmp,home,var,proc,sys,dev,usr/bin}
    chmod 1777 "$tmp/rootfs/tmp"; chmod 700 "$tmp/rootfs/root"
    cp "$bb" "$tmp/rootfs/bin/busybox"
    for a in $("$bb" --list); do
      [ "$a" = busybox ] || ln -sf busybox "$tmp/rootfs/bin/$a"
    done
    ln -sf ../../bin/env "$tmp/rootfs/usr/bin/env"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$tmp/rootfs/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\n' >"$tmp/rootfs/etc/group"
    tar -C "$tmp/rootfs" --numeric-owner --owner=0 --group=0 -cf "$tmp/rootfs.tar" .
    mv -f "$tmp/rootfs.tar" "$tar"
  ) || die "building busybox rootfs failed"
  echo "$tar"
}

# ------------------------------------------------------------------- start ---

fail_start() {
  local dir=$1; shift
  {
    echo "engine.sh: start failed: $*"
    echo "--- tail of $dir/dockerd.log:"
    tail -n 30 "$dir/dockerd.log" 2>/dev/null || echo "(no log)"
    if [ -s "$dir/containerd.log" ] && ! alive "$(cat "$dir/containerd.pid" 2>/dev/null)"; then
      echo "--- tail of $dir/containerd.log:"
      tail -n 10 "$dir/containerd.log"
    fi
  } >&2
  teardown "$(basename "$dir")" >/dev/null 2>&1 || true
  exit 1
}

cmd_start() {
  local name=${1:-} tls=""
  [ -n "$name" ] || die "usage: engine.sh start NAME [--tls CERTDIR]"
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --tls) [ $# -ge 2 ] || die "--tls needs CERTDIR"; tls=$2; shift 2 ;;
      --tls=*) tls=${1#--tls=}; shift ;;
      *) die "unknown option: $1" ;;
    esac
  done
  check_name "$name"
  if [ -n "$tls" ]; then
    tls=$(cd "$tls" 2>/dev/null && pwd) || die "--tls: no such directory"
    local f
    for f in ca.pem server-cert.pem server-key.pem; do
      [ -s "$tls/$f" ] || die "--tls: missing $tls/$f (make it with test/harness/certs.sh)"
    done
  fi
  ensure_installed
  mkdir -p "$BASE"
  BASE=$(cd "$BASE" && pwd)
  local dir="$BASE/$name"
  local sock="$dir/docker.sock" csock="$dir/containerd.sock"
  [ ${#csock} -le 100 ] || die "path too long for a unix socket: $csock (set SWARM_TEST_DIR shorter)"

  local image_tar
  image_tar=$(busybox_tar)

  lock_name "$name"
  teardown "$name"   # stale or running: always start from scratch
  mkdir -p "$dir/data" "$dir/exec"
  echo '{}' >"$dir/daemon.json"   # never read /etc/docker/daemon.json
  cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/data/containerd"
state = "$dir/exec/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$csock"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$dir/exec/containerd-runc-v1"
EOF

  local t0=$SECONDS
  # Own containerd per engine: dockerd would otherwise use a system one at
  # /run/containerd/containerd.sock whenever that socket exists.
  # (fds 7-9 are our locks: a daemon must not inherit them)
  setsid containerd --config "$dir/containerd.toml" </dev/null >"$dir/containerd.log" 2>&1 7>&- 8>&- 9>&- &
  echo $! >"$dir/containerd.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    [ -S "$csock" ] && break
    alive "$(cat "$dir/containerd.pid")" || fail_start "$dir" "containerd exited"
    sleep 0.1
  done
  [ -S "$csock" ] || fail_start "$dir" "containerd socket $csock did not appear within 10s"

  local args=(
    --config-file "$dir/daemon.json"
    --containerd "$csock"
    --host "unix://$sock"
    --data-root "$dir/data"
    --exec-root "$dir/exec"
    --pidfile "$dir/docker.pid"
    --iptables=false --ip-forward=false --ip-masq=false
    --bridge=none
    --storage-driver=vfs
    --exec-opt native.cgroupdriver=cgroupfs
    --cgroup-parent "/$(cgroup_parent "$name")"
    --swarm-default-advertise-addr 127.0.0.1
  )
  if [ -n "$tls" ]; then
    # Port 0: the kernel picks a free port (no race between engines); read it from the log.
    args+=(--host tcp://127.0.0.1:0 --tlsverify
      --tlscacert "$tls/ca.pem" --tlscert "$tls/server-cert.pem" --tlskey "$tls/server-key.pem")
  fi
  setsid dockerd "${args[@]}" </dev/null >"$dir/dockerd.log" 2>&1 7>&- 8>&- 9>&- &
  local dpid=$!
  echo "$dpid" >"$dir/dockerd.launch.pid"

  local H=(-H "unix://$sock")
  local deadline=$((SECONDS + START_TIMEOUT))
  until timeout 10 "$DOCKER_CLI" "${H[@]}" version --format '{{.Server.Version}}' >/dev/null 2>&1; do
    alive "$dpid" || fail_start "$dir" "dockerd exited"
    [ $SECONDS -lt $deadline ] || fail_start "$dir" "dockerd did not answer on unix://$sock within ${START_TIMEOUT}s"
    sleep 0.2
  done

  local tcp=""
  if [ -n "$tls" ]; then
    local port=""
    until port=$(grep -oE 'API listen on 127\.0\.0\.1:[0-9]+' "$dir/dockerd.log" | head -n1 | grep -oE '[0-9]+$'); do
      [ $SECONDS -lt $deadline ] || fail_start "$dir" "no TCP listener in the log within ${START_TIMEOUT}s"
      sleep 0.1
    done
    tcp="tcp://127.0.0.1:$port"
  fi
  local t_up=$((SECONDS - t0))

  # busybox:latest from the local rootfs tarball (no registry).
  if ! "$DOCKER_CLI" "${H[@]}" image inspect busybox:latest >/dev/null 2>&1; then
    local out
    out=$("$DOCKER_CLI" "${H[@]}" import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["sh"]' \
      --message "busybox from Debian busybox-static (libswarm test harness)" \
      "$image_tar" busybox:latest 2>&1) || fail_start "$dir" "docker import failed: $out"
  fi
  "$DOCKER_CLI" "${H[@]}" tag busybox:latest busybox:local >/dev/null 2>&1 || fail_start "$dir" "docker tag failed"

  local pid
  pid=$(cat "$dir/docker.pid" 2>/dev/null || echo "$dpid")
  {
    echo "name=$name"
    echo "dir=$dir"
    echo "pid=$pid"
    echo "socket=unix://$sock"
    [ -z "$tcp" ] || echo "tcp=$tcp"
  } >"$dir/engine.info"
  [ -z "${ENGINE_VERBOSE:-}" ] || echo "engine.sh: $name up in ${t_up}s, ready in $((SECONDS - t0))s" >&2
  cat "$dir/engine.info"
  echo "unix://$sock"
}

# -------------------------------------------------------------------- stop ---

cmd_stop() {
  local name=${1:-}
  [ -n "$name" ] || die "usage: engine.sh stop NAME"
  check_name "$name"
  [ -d "$BASE" ] || return 0
  BASE=$(cd "$BASE" && pwd)
  lock_name "$name"
  teardown "$name"
  drop_gwbridge
}

cmd_stop_all() {
  [ -d "$BASE" ] || return 0
  BASE=$(cd "$BASE" && pwd)
  local d name rc=0
  for d in "$BASE"/*/; do
    [ -d "$d" ] || continue
    name=$(basename "$d")
    [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] || continue
    ( cmd_stop "$name" ) || rc=1
  done
  # Leftovers whose directory is already gone.
  kill_owned "$BASE"
  drop_gwbridge
  return $rc
}

case "${1:-}" in
  install) cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  stop-all) cmd_stop_all ;;
  *) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
