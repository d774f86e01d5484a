#!/usr/bin/env bash
# Throwaway test servers on free loopback ports: etcd 3.4 (one member), PostgreSQL 15 with pgvector
# in template1, and the Cosmos DB emulator. Nothing listens beyond 127.0.0.1, nothing is shared with
# a system service (Debian may run its own etcd on 2379 or a cluster on 5432; we ignore both), and
# all state lives in one directory that `stop` deletes.
#
#   deploy/test/servers.sh start  [DIR]   start (or reuse, if healthy) and write DIR/env
#   deploy/test/servers.sh stop   [DIR]   stop everything started in DIR and delete DIR
#   deploy/test/servers.sh status [DIR]
#
# DIR defaults to .dyad-ci/dev in the repository. After `start`:  source .dyad-ci/dev/env
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/test/common.sh
source "$HERE/common.sh"

PG_BIN=/usr/lib/postgresql/15/bin
COSMOS_KEY='C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=='
PG_USER=dyad
ATTEMPTS=3 # a free port can be taken between choosing it and binding it; retrying makes that harmless

usage() { die "usage: servers.sh start|stop|status [DIR]"; }
cmd=${1:-}
[[ $cmd =~ ^(start|stop|status)$ ]] || usage
# Absolute: the path doubles as the marker that identifies our processes (see owns_pid).
DIR=$(realpath -m "${2:-$DYAD_ROOT/.dyad-ci/dev}")

probe() { # probe KIND PID ADDRESS [KEY]
  local kind=$1 pid=$2
  shift 2
  DYAD_PROBE_PID=$pid node "$HERE/probe.mjs" "$kind" "$@"
}

tail_log() { [[ -f $1 ]] && { log "last lines of $1:"; tail -n 20 "$1" >&2; }; return 0; }

# ---- etcd ------------------------------------------------------------------------------------
start_etcd() {
  local d=$DIR/etcd attempt client peer pid ports
  for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
    rm -rf "$d" && mkdir -p "$d"
    mapfile -t ports < <(node "$HERE/free-ports.mjs" 2)
    client=${ports[0]} peer=${ports[1]}
    # setsid: its own session, so a Ctrl-C in the terminal that ran `start` never reaches it; only
    # `stop` (or run-all's trap) ends it. --listen-metrics-urls stays unset: no third port needed.
    setsid etcd --name dyad-test --data-dir "$d/data" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "dyad-test=http://127.0.0.1:$peer" --initial-cluster-state new \
      --logger zap --log-outputs stderr --log-level warn \
      >"$d/etcd.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/pid"
    if probe etcd "$pid" "http://127.0.0.1:$client"; then
      echo "$client" >"$d/port"
      return 0
    fi
    tail_log "$d/etcd.log"
    stop_pid "$pid" "$d/data"
    log "etcd attempt $attempt/$ATTEMPTS failed"
  done
  return 1
}

stop_etcd() {
  [[ -f $DIR/etcd/pid ]] && stop_pid "$(cat "$DIR/etcd/pid")" "$DIR/etcd/data"
  return 0
}

# ---- Postgres --------------------------------------------------------------------------------
# The data directory must be reachable by the `postgres` OS user, and the socket path must stay under
# the kernel's ~107-byte limit. A clone under /root (mode 700) or a deep path breaks one of these,
# so then the cluster lives in /tmp, linked from DIR/pg so `stop` still finds it.
pg_home() {
  local want=$DIR/pg
  if [[ -L $want ]]; then readlink -f "$want"; return; fi
  if [[ -d $want ]]; then echo "$want"; return; fi
  if ((${#want} < 80)) && as_pg test -x "$DIR"; then
    mkdir -p "$want"
  else
    want=$(mktemp -d /tmp/dyad-pg.XXXXXX)
    ln -s "$want" "$DIR/pg"
  fi
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$want"
  chmod 700 "$want"
  echo "$want"
}

start_postgres() {
  local d password attempt port
  d=$(pg_home)
  password=$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')
  printf '%s\n' "$password" >"$DIR/pg-password"
  as_pg sh -c "umask 077; printf '%s\n' '$password' >'$d/pwfile'"
  # --no-locale: C collation, identical on every machine; --no-sync: a throwaway cluster.
  as_pg "$PG_BIN/initdb" -D "$d/data" -U "$PG_USER" --pwfile="$d/pwfile" -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync --no-instructions >"$d/initdb.log" 2>&1 ||
    { tail_log "$d/initdb.log"; return 1; }
  as_pg rm -f "$d/pwfile"
  as_pg mkdir -m 700 "$d/run"
  # Durability is worthless here and costs seconds per test file; the socket stays private to
  # the postgres OS user (and root), while tests connect over TCP with the password.
  as_pg tee -a "$d/data/postgresql.conf" >/dev/null <<EOF

# dyad test server (deploy/test/servers.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$d/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
EOF
  for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
    port=$(node "$HERE/free-ports.mjs" 1)
    # setsid -w: the postmaster gets its own session (Ctrl-C-proof, like etcd) while we still wait
    # for pg_ctl, which itself waits (-w) until the server accepts connections.
    if as_pg setsid -w "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -o "-p $port" -w -t 60 start \
      >/dev/null 2>&1; then
      echo "$port" >"$DIR/pg-port"
      break
    fi
    tail_log "$d/postgres.log"
    log "postgres attempt $attempt/$ATTEMPTS failed"
    port=''
  done
  [[ -n $port ]] || return 1
  # pgvector in template1: every database created afterwards (each test file makes its own) starts
  # with the extension, so tests need no superuser rights to use vectors.
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$d/run" -p "$port" -U "$PG_USER" -d template1 \
    -c 'CREATE EXTENSION IF NOT EXISTS vector' || return 1
  probe postgres "$(head -n1 "$d/data/postmaster.pid")" "$(pg_url)"
}

pg_url() { echo "postgres://$PG_USER:$(cat "$DIR/pg-password")@127.0.0.1:$(cat "$DIR/pg-port")/postgres"; }

stop_postgres() {
  [[ -e $DIR/pg ]] || return 0
  local d pid
  d=$(readlink -f "$DIR/pg")
  [[ -f $d/data/postmaster.pid ]] || return 0
  pid=$(head -n1 "$d/data/postmaster.pid")
  # immediate: no checkpoint, the data is deleted right after anyway.
  as_pg "$PG_BIN/pg_ctl" -D "$d/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || stop_pid "$pid" "$d/data"
}

# ---- Cosmos DB emulator ------------------------------------------------------------------------
start_cosmos() {
  local d=$DIR/cosmos pid i
  rm -rf "$d" && mkdir -p "$d"
  # Port 0 inside the emulator: it reports the port it got, so there is no race to retry.
  setsid node "$HERE/cosmos-server.mjs" "$d/port" >"$d/cosmos.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$d/pid"
  # kill -0, not owns_pid: right after the fork the child may still show this script's command line.
  for ((i = 0; i < 150; i++)); do
    [[ -s $d/port ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  [[ -s $d/port ]] || { tail_log "$d/cosmos.log"; return 1; }
  probe cosmos "$pid" "https://127.0.0.1:$(cat "$d/port")" "$COSMOS_KEY" || { tail_log "$d/cosmos.log"; return 1; }
}

stop_cosmos() {
  [[ -f $DIR/cosmos/pid ]] && stop_pid "$(cat "$DIR/cosmos/pid")" "$DIR/cosmos/port"
  return 0
}

# ---- whole set ---------------------------------------------------------------------------------
write_env() {
  cat >"$DIR/env.tmp" <<EOF
# Test servers started by deploy/test/servers.sh; stop them with: deploy/test/servers.sh stop $DIR
export DYAD_TEST_ETCD_ENDPOINTS=http://127.0.0.1:$(cat "$DIR/etcd/port")
export DYAD_TEST_POSTGRES_URL=$(pg_url)
export DYAD_TEST_COSMOS_ENDPOINT=https://127.0.0.1:$(cat "$DIR/cosmos/port")
export DYAD_TEST_COSMOS_KEY='$COSMOS_KEY'
EOF
  mv "$DIR/env.tmp" "$DIR/env"
}

stop_all() {
  stop_cosmos
  stop_etcd
  stop_postgres
  # The cluster may live in /tmp (see pg_home); remove it along with its link.
  [[ -L $DIR/pg ]] && rm -rf "$(readlink -f "$DIR/pg")"
  # Delete only a directory this script created (it holds the marker): DIR comes from the command
  # line, and `servers.sh stop ~` must never wipe a home directory.
  if [[ -f $DIR/.dyad-servers ]]; then rm -rf "$DIR"; fi
}

healthy() { # the env file exists and every server still answers like a server
  [[ -f $DIR/env ]] || return 1
  (
    # shellcheck disable=SC1091 # written by write_env
    source "$DIR/env"
    DYAD_PROBE_TIMEOUT_S=2
    export DYAD_PROBE_TIMEOUT_S
    node "$HERE/probe.mjs" etcd "$DYAD_TEST_ETCD_ENDPOINTS" &&
      node "$HERE/probe.mjs" postgres "$DYAD_TEST_POSTGRES_URL" &&
      node "$HERE/probe.mjs" cosmos "$DYAD_TEST_COSMOS_ENDPOINT" "$DYAD_TEST_COSMOS_KEY"
  ) 2>/dev/null
}

case $cmd in
start)
  if healthy; then
    log "servers already running in $DIR"
  else
    stop_all # leftovers from a crashed run: stop whatever is still ours, start clean
    mkdir -p "$DIR"
    [[ -z $(ls -A "$DIR") ]] || die "$DIR is not empty and was not made by servers.sh; choose another directory"
    touch "$DIR/.dyad-servers"
    for server in etcd postgres cosmos; do
      t0=$(now)
      "start_$server" || { log "$server did not start; stopping the others"; stop_all; die "$server failed to start"; }
      log "$server ready ($(elapsed "$t0"))"
    done
    write_env
  fi
  sed -n 's/^export /  /p' "$DIR/env" | sed 's/\(POSTGRES_URL=postgres:\/\/[^:]*:\)[^@]*@/\1***@/' >&2
  log "source $DIR/env"
  ;;
stop)
  stop_all
  log "servers in $DIR stopped"
  ;;
status)
  if healthy; then log "running: $DIR/env"; else log "not running (or not healthy) in $DIR"; exit 1; fi
  ;;
esac
