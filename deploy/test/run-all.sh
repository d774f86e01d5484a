#!/usr/bin/env bash
# The whole test suite, as `npm run test:all` (the README's test command) and CI run it:
#
#   1. install-deps.sh   etcd, Postgres 15 + pgvector, node_modules (no-op when present)
#   2. servers.sh start  throwaway etcd / Postgres / Cosmos emulator on free loopback ports
#   3. tsc --noEmit      the typecheck, counted as one test
#   4. tap               every test/**/*.test.ts, with DYAD_TEST_REQUIRE_SERVERS=1 so a server test
#                        can fail but never silently skip
#   5. extra-suites.sh   optional, see below
#
# The servers are stopped on every exit path, Ctrl-C and SIGTERM included. The LAST line printed is
# always the total, `N passed, N failed` (plus `, N skipped` when something was skipped), and the exit
# status is non-zero when anything failed.
#
# Counting: tap's own final summary `# { total, pass, fail, skip, todo }` for the tap run. tap counts
# leaf test points (each assertion), plus a failure for a test file that crashed or timed out without
# a failing assertion, so a broken file can never count as passing. todo points count as skipped. An
# infrastructure step that fails (install, server start) counts as one failure; the run continues so
# the totals show everything that still works.
#
# Extra suites: if deploy/test/extra-suites.sh exists it runs after tap, with the same environment
# and servers, and reports by printing one line per suite:
#     SUITE <name>: N passed, N failed[, N skipped]
# Those counts are added to the total. A script that exits non-zero without reporting a failure, or
# reports no SUITE line at all, adds one failure.
#
# Logs of the last run (tap output, server logs) stay in .dyad-ci/last-run/.
set -uo pipefail
# shellcheck source=deploy/test/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$DYAD_ROOT" || exit 1
# Every step after the install runs on the project's Node 24 (node_modules/.bin/node, from the `node`
# dependency), also when this script is started directly rather than by `npm run test:all`, which
# does the same. tap spawns its test processes with its own process.execPath, so they follow.
export PATH="$DYAD_ROOT/node_modules/.bin:$PATH"

RUN_DIR=$DYAD_ROOT/.dyad-ci/run-$$ # per run, so two runs on one machine never share servers
LOGS=$DYAD_ROOT/.dyad-ci/last-run
EXTRA=$DYAD_ROOT/deploy/test/extra-suites.sh

passed=0 failed=0 skipped=0
notes=()   # one line per counted step, printed before the total
timings=() # "phase duration"
step_sid='' servers_up=''

count() { # count PASSED FAILED SKIPPED NOTE
  passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
  notes+=("$4")
}

# Runs a step in its own session (so an interrupt can end it with all its children, tap's test
# processes included), under a time limit, with output both on the console and in a log file.
# `wait` rather than a foreground command: bash runs a signal trap only once the foreground command
# returns, but it interrupts `wait` at once.
run_step() { # run_step LIMIT LOGFILE COMMAND...
  local limit=$1 logfile=$2 rc
  shift 2
  # setsid does not fork here (a background job of a script is never a group leader), so $! is
  # the step's session id. A session, not a process group: `timeout` moves itself and the command
  # into a group of their own, but never out of the session.
  # shellcheck disable=SC2016 # expanded by the inner bash
  STEP_LOG=$logfile setsid bash -c 'set -o pipefail; timeout -k 30s "$0" "$@" </dev/null 2>&1 | tee "$STEP_LOG"' \
    "$limit" "$@" &
  step_sid=$!
  wait "$step_sid"
  rc=$?
  step_sid=''
  return "$rc"
}

# Ends every process of the running step: SIGTERM (tap then stops its test processes and reports),
# SIGKILL for whatever is left after 20 seconds.
stop_step() {
  local sid=$step_sid i
  [[ -n $sid ]] || return 0
  pkill -TERM -s "$sid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    pgrep -s "$sid" >/dev/null || return 0
    sleep 0.2
  done
  pkill -KILL -s "$sid" 2>/dev/null
}

stop_servers() {
  [[ -n $servers_up ]] || return 0
  servers_up=''
  # Keep the server logs for a post-mortem: the run directory is deleted on stop.
  find "$RUN_DIR/" -name '*.log' -exec cp {} "$LOGS/" \; 2>/dev/null
  bash deploy/test/servers.sh stop "$RUN_DIR"
}

summary_line() {
  local line="$passed passed, $failed failed"
  ((skipped > 0)) && line+=", $skipped skipped"
  echo "$line"
}

on_signal() {
  trap '' INT TERM
  log "interrupted: stopping the running step and the servers"
  stop_step
  stop_servers
  count 0 1 0 "interrupted by SIG$1"
  summary_line
  exit $((128 + $(kill -l "$1")))
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap stop_servers EXIT # any other exit path (a bug in this script included) still stops the servers

rm -rf "$LOGS" && mkdir -p "$LOGS"

# Servers of earlier runs that were killed too hard to clean up (SIGKILL, a crashed machine): stop
# them unless their run is still going.
for dir in "$DYAD_ROOT"/.dyad-ci/run-*; do
  [[ -d $dir ]] || continue
  owner=${dir##*/run-}
  owns_pid "$owner" run-all.sh && continue
  log "stopping leftover servers of an earlier run in $dir"
  bash deploy/test/servers.sh stop "$dir"
done

# ---- 1. dependencies ---------------------------------------------------------------------------
t0=$(now)
if run_step 20m "$LOGS/install.log" bash deploy/test/install-deps.sh; then
  notes+=("install: ok")
else
  count 0 1 0 "install: FAILED (see $LOGS/install.log)"
fi
timings+=("install $(elapsed "$t0")")

# ---- 2. servers --------------------------------------------------------------------------------
t0=$(now)
servers_up=1 # set before starting: a start interrupted half-way must still be cleaned up
if run_step 5m "$LOGS/servers.log" bash deploy/test/servers.sh start "$RUN_DIR" && [[ -f $RUN_DIR/env ]]; then
  # shellcheck disable=SC1091 # written by servers.sh at run time
  source "$RUN_DIR/env"
  notes+=("servers: ok")
else
  count 0 1 0 "servers: FAILED to start (see $LOGS/servers.log); server tests will fail"
fi
export DYAD_TEST_REQUIRE_SERVERS=1
timings+=("servers $(elapsed "$t0")")

# ---- 3. typecheck ------------------------------------------------------------------------------
t0=$(now)
log "typecheck: tsc --noEmit"
# `npx --no-install`: were node_modules missing, a bare `npx tsc` would fetch an unrelated package.
if run_step 10m "$LOGS/typecheck.log" npx --no-install tsc --noEmit; then
  count 1 0 0 "typecheck: passed"
else
  count 0 1 0 "typecheck: FAILED (see $LOGS/typecheck.log)"
fi
timings+=("typecheck $(elapsed "$t0")")

# ---- 4. tap ------------------------------------------------------------------------------------
t0=$(now)
log "tap: running the test files (raw TAP kept in $LOGS/tap.txt)"
# The `tap` reporter prints the raw TAP stream, which ends with tap's machine-readable summary; the
# other settings (jobs, timeout) come from package.json.
tap_args=(--reporter=tap)
# Coverage off unless asked for (DYAD_TEST_COVERAGE=1): it is reported but never enforced, and V8
# coverage is written by every test process and every server a test spawns (~15 MB each), which
# measured 12-30 % longer per test file (test/gateway/ops.test.ts), on a run that must fit 20 minutes.
[[ ${DYAD_TEST_COVERAGE:-0} == 1 ]] || tap_args+=(--disable-coverage)
# tap's default include runs every script under any folder named `test`: this folder's helpers
# (deploy/test/*.mjs, which fail without arguments) and test/helpers, test/contracts (counted as
# skips). Unless package.json chooses its own `tap.include`, run the test files only.
if ! node -e 'process.exit(require("./package.json").tap?.include ? 0 : 1)'; then
  tap_args+=(--include='test/**/*.test.ts')
fi
run_step 45m "$LOGS/tap.txt" npx --no-install tap "${tap_args[@]}"
tap_rc=$?
field() { grep -oE "$1: [0-9]+" <<<"$summary" | grep -oE '[0-9]+' || echo 0; }
summary=$(grep -E '^# \{ total: [0-9]+' "$LOGS/tap.txt" | tail -n1)
if [[ -z $summary ]]; then
  count 0 1 0 "tap: FAILED, no summary (exit status $tap_rc; crashed or timed out)"
else
  t_pass=$(field pass) t_fail=$(field fail) t_skip=$(( $(field skip) + $(field todo) ))
  # tap exiting non-zero with no failing point (e.g. incomplete coverage enforcement, a crash
  # after the summary) is still a failure of the run.
  if ((tap_rc != 0 && t_fail == 0)); then t_fail=1; fi
  count "$t_pass" "$t_fail" "$t_skip" "tap: $t_pass passed, $t_fail failed, $t_skip skipped (exit status $tap_rc)"
fi
timings+=("tap $(elapsed "$t0")")

# ---- 5. extra suites ---------------------------------------------------------------------------
if [[ -f $EXTRA ]]; then
  t0=$(now)
  log "extra suites: $EXTRA"
  run_step 15m "$LOGS/extra.txt" bash "$EXTRA"
  extra_rc=$?
  extra_failed=0 suites=0
  while IFS=$'\t' read -r name p f s; do
    count "$p" "$f" "${s:-0}" "suite $name: $p passed, $f failed, ${s:-0} skipped"
    extra_failed=$((extra_failed + f)) suites=$((suites + 1))
  done < <(sed -nE 's/^SUITE ([^:]+): ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1\t\2\t\3\t\5/p' "$LOGS/extra.txt")
  if ((suites == 0)); then
    count 0 1 0 "extra suites: FAILED, no SUITE line (exit status $extra_rc)"
  elif ((extra_rc != 0 && extra_failed == 0)); then
    count 0 1 0 "extra suites: FAILED, exit status $extra_rc"
  fi
  timings+=("extra $(elapsed "$t0")")
fi

# ---- totals ------------------------------------------------------------------------------------
stop_servers
# The failing points of tap, each with the file it belongs to and its first diagnostic lines, so
# the tail of a run (all that a CI summary may show) names what failed.
if [[ -f $LOGS/tap.txt ]] && grep -qE '^ *not ok ' "$LOGS/tap.txt"; then
  echo
  log "failing tap points (from $LOGS/tap.txt):"
  awk '
    /^# Subtest: test\// { file = $3 }
    /^ *not ok / { print "  " file ": " $0; diag = 12; next }
    diag > 0 { print "      " $0; diag-- }
  ' "$LOGS/tap.txt" | head -n 120
fi
echo
printf '[dyad-test] %s\n' "${notes[@]}"
log "time: ${timings[*]}"
summary_line
((failed == 0))
