/**
 * k6 script for Dyad's load scenarios, against both DCs at once.
 *
 *   k6 run -e SCENARIO=mixed -e DC1_URL=https://dc1.example -e DC2_URL=https://dc2.example \
 *          -e DYAD_ADMIN_KEY=dyad_... loadtest/k6/dyad.js
 *
 * Each DC gets its own constant-arrival-rate k6 scenario (tagged `dc`), so thresholds hold per DC.
 * `setup()` creates a fresh project (policy, data, cms namespace, a project key) through DC1 and
 * `teardown()` deletes it. The same definitions drive the local runner (`npm run load`).
 */
import http from 'k6/http'
import { check } from 'k6'
import exec from 'k6/execution'
import { pick, render, requests, runProject, scenarios, setupSteps, teardownSteps } from './scenarios.js'

const name = __ENV.SCENARIO || 'smoke'
const scenario = scenarios[name]
if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`)

const DCS = [
  { dc: 'dc1', url: __ENV.DC1_URL || 'http://127.0.0.1:8080' },
  { dc: 'dc2', url: __ENV.DC2_URL || __ENV.DC1_URL || 'http://127.0.0.1:8080' },
]
const ADMIN_KEY = __ENV.DYAD_ADMIN_KEY || ''

/** k6 thresholds: each of the scenario's, once per DC (`metric{dc:dc1}`, `metric{kind:write,dc:dc1}`). */
function perDcThresholds() {
  const out = {}
  for (const [metric, exprs] of Object.entries(scenario.thresholds)) {
    const m = /^([a-z_]+)(?:\{(.*)\})?$/.exec(metric)
    for (const { dc } of DCS) out[`${m[1]}{${m[2] ? `${m[2]},` : ''}dc:${dc}}`] = exprs
  }
  return out
}

export const options = {
  scenarios: Object.fromEntries(
    DCS.map(({ dc }) => [
      dc,
      {
        executor: 'constant-arrival-rate',
        rate: scenario.rate,
        timeUnit: '1s',
        duration: `${scenario.duration}s`,
        preAllocatedVUs: Math.min(scenario.maxInFlight, Math.max(1, Math.ceil(scenario.rate / 10))),
        maxVUs: scenario.maxInFlight,
        exec: 'play',
        tags: { dc },
        env: { DC: dc },
      },
    ]),
  ),
  thresholds: perDcThresholds(),
}

// http_req_failed counts what a definition does not expect; the callbacks are made once, in the
// init context, as k6's documentation recommends.
const callbacks = new Map()
for (const def of [...setupSteps, ...teardownSteps, ...Object.values(requests)]) {
  const k = def.expect.join(',')
  if (!callbacks.has(k)) callbacks.set(k, http.expectedStatuses(...def.expect))
}

function send(base, r, expect, tags) {
  const body = r.body === undefined ? null : r.body
  return http.request(r.method, `${base}${r.path}`, body, { headers: r.headers, tags, responseCallback: callbacks.get(expect.join(',')) })
}

function runSteps(steps, vars) {
  for (const step of steps) {
    const res = send(DCS[0].url, render(step, vars, ADMIN_KEY), step.expect, { phase: 'setup' })
    if (!step.expect.includes(res.status)) throw new Error(`${step.name}: HTTP ${res.status} ${res.body}`)
    for (const [v, field] of Object.entries(step.capture || {})) vars[v] = res.json(field)
  }
}

export function setup() {
  const vars = { project: runProject(Date.now()) }
  runSteps(setupSteps, vars)
  return vars
}

export function play(vars) {
  const dc = __ENV.DC
  const base = DCS.find((d) => d.dc === dc).url
  const requestName = pick(scenario.mix, Math.random())
  const def = requests[requestName]
  const r = render(def, { ...vars, dc, n: exec.scenario.iterationInTest }, vars.key)
  const res = send(base, r, def.expect, { request: requestName, kind: def.kind || 'read' })
  check(res, { [`${requestName} answered ${def.expect.join('/')}`]: (x) => def.expect.includes(x.status) }, { request: requestName })
}

export function teardown(vars) {
  runSteps(teardownSteps, vars)
}
