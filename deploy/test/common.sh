# shellcheck shell=bash disable=SC2034 # DYAD_ROOT is for the scripts that source this file
# Shared helpers for the deploy/test scripts. Sourced, never executed.
# Messages go to stderr so that stdout stays free for values a caller may capture.

# The repository root, found from this file's location so the scripts work from any cwd.
DYAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[dyad-test] %s\n' "$*" >&2; }
die() { printf '[dyad-test] ERROR: %s\n' "$*" >&2; exit 1; }

# Postgres refuses to run as root, so as root every Postgres binary runs as the `postgres` OS user
# (created by the Debian package). As any other user the binaries run as that user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True when PID is alive AND its command line mentions MARKER. A pid file can outlive its process
# (machine crash, SIGKILL), and the number may since have been reused by an unrelated process: the
# marker (a path inside our state directory) makes sure we only ever signal our own servers.
owns_pid() {
  local pid=$1 marker=$2
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# SIGTERM, then SIGKILL after a grace period, for a process that owns_pid confirmed.
stop_pid() {
  local pid=$1 marker=$2 i
  owns_pid "$pid" "$marker" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    owns_pid "$pid" "$marker" || return 0
    sleep 0.2
  done
  log "pid $pid ignored SIGTERM for 10s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# Seconds since the epoch with millisecond precision, for phase timings.
now() { date +%s.%N | cut -c1-14; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
