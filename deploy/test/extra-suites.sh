#!/usr/bin/env bash
# Extra suites run by run-all.sh after tap (protocol: one `SUITE <name>: N passed, N failed[, N skipped]`
# line per suite on stdout).
#
# opa-conformance: OPA's own Rego conformance cases from ../shared/opa-conformance/v1 (read in
# place, never copied into the repo). Cases in plugins/policy/conformance/skip.json (each with its
# reason) count as skipped; any other failing case counts as failed; and a pass count below the
# floor in plugins/policy/conformance/floor.json (which only rises) adds one failure.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1

cases=$(realpath -m ../shared/opa-conformance/v1)
if [[ ! -d $cases ]]; then
  echo "opa-conformance: $cases not present; suite not run" >&2
  echo "SUITE opa-conformance: 0 passed, 0 failed, 1 skipped"
  exit 0
fi

json=$(mktemp)
trap 'rm -f "$json"' EXIT
node --import tsx plugins/policy/conformance/run.ts "$cases" --json --check-floor >"$json" 2>/dev/null
floor_rc=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  const skipped = r.failures.filter((f) => f.reason.startsWith("skipped:")).length
  const failed = r.failures.length - skipped + (Number(process.argv[2]) !== 0 ? 1 : 0)
  for (const f of r.failures) if (!f.reason.startsWith("skipped:")) console.error(`FAIL ${f.note}: ${f.reason}`)
  if (Number(process.argv[2]) !== 0) console.error(`opa-conformance: ${r.passed} passed is below the floor ${r.floor}`)
  console.error(`opa-conformance: ${r.passed}/${r.total} cases pass (floor ${r.floor}, ${skipped} skipped with reasons)`)
  console.log(`SUITE opa-conformance: ${r.passed} passed, ${failed} failed, ${skipped} skipped`)
' "$json" "$floor_rc"
