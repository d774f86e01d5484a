/**
 * Dyad's load-test scenarios: one definition played two ways.
 *
 *  - by k6 (`k6 run loadtest/k6/dyad.js`), which users run with their own k6 against both DCs;
 *  - by the local runner (`npm run load`, loadtest/local/run.ts), since k6 cannot be installed on
 *    every machine (it cannot on Dyad's CI machine).
 *
 * Plain JavaScript (ES2020, no imports, no Node or k6 API) so both can load it unchanged. Types for
 * TypeScript callers are in scenarios.d.ts.
 *
 * A scenario is an open model: requests arrive at `rate` per second *per DC* for `duration`
 * seconds, whatever the response times (k6's constant-arrival-rate executor), each picked from
 * `mix` by weight. `thresholds` use k6's syntax and are checked per DC (k6: metrics tagged with
 * `dc`); a run fails when any threshold fails in any DC.
 *
 * Placeholders in paths and bodies: `{project}` (the run's project), `{n}` (a request counter of
 * the run, unique per DC and request), `{dc}` (the DC's name).
 */

const RBAC_POLICY = [
  'package app.rbac',
  'import rego.v1',
  'default allow := false',
  'allow if {',
  '  some role in data.app.roles[input.user]',
  '  some grant in data.app.grants[role]',
  '  grant.action == input.action',
  '  grant.type == input.type',
  '}',
  '',
].join('\n')

const RBAC_DATA = {
  roles: { alice: ['admin'], bob: ['reader'] },
  grants: {
    admin: [{ action: 'read', type: 'dog' }, { action: 'update', type: 'dog' }],
    reader: [{ action: 'read', type: 'dog' }],
  },
}

const NAMESPACE = '/v1/projects/{project}/cms/apps/checkout/envs/prod/clusters/default/namespaces/application'

/**
 * Run once before the load (k6: setup()) through the first DC with the platform admin key. `capture`
 * takes fields of the JSON response into the run's variables (the project key is `key`).
 * Every step creates something new for this run's project, so runs never collide.
 */
export const setupSteps = [
  { name: 'create project', method: 'POST', path: '/v1/projects', body: { id: '{project}', name: 'Load test' }, expect: [201] },
  { name: 'add member', method: 'PUT', path: '/v1/projects/{project}/members/loader', body: { role: 'project-admin' }, expect: [200] },
  { name: 'create key', method: 'POST', path: '/v1/projects/{project}/api-keys', body: { name: 'loadtest', subject: 'loader' }, expect: [201], capture: { key: 'apiKey' } },
  { name: 'upload policy', method: 'PUT', path: '/v1/projects/{project}/opa/v1/policies/rbac.rego', contentType: 'text/plain', body: RBAC_POLICY, expect: [200] },
  { name: 'upload data', method: 'PUT', path: '/v1/projects/{project}/opa/v1/data/app', body: RBAC_DATA, expect: [204] },
  { name: 'create cms app', method: 'POST', path: '/v1/projects/{project}/cms/apps', body: { name: 'checkout' }, expect: [201] },
  { name: 'create cms env', method: 'POST', path: '/v1/projects/{project}/cms/apps/checkout/envs', body: { name: 'prod' }, expect: [201] },
  { name: 'create namespace', method: 'POST', path: '/v1/projects/{project}/cms/apps/checkout/envs/prod/clusters/default/namespaces', body: { name: 'application', format: 'properties' }, expect: [201] },
  { name: 'write draft', method: 'PUT', path: `${NAMESPACE}/draft`, contentType: 'text/plain', body: 'timeout=30\nretries=3\n', expect: [201] },
  { name: 'publish', method: 'POST', path: `${NAMESPACE}/releases`, body: { message: 'load test' }, expect: [201] },
]

/** Run once after the load (k6: teardown()) with the admin key: removes the run's project. */
export const teardownSteps = [
  { name: 'delete project', method: 'DELETE', path: '/v1/projects/{project}', expect: [200, 202, 204] },
]

/** Requests the scenarios mix; the project key (`key`) authenticates them. */
export const requests = {
  whoami: { method: 'GET', path: '/v1/whoami', expect: [200], kind: 'read' },
  decision: {
    method: 'POST',
    path: '/v1/projects/{project}/opa/v1/data/app/rbac/allow',
    body: { input: { user: 'bob', action: 'read', type: 'dog' } },
    expect: [200],
    kind: 'read',
  },
  config: { method: 'GET', path: `${NAMESPACE}/config?clientId=loader-{dc}`, expect: [200], kind: 'read' },
  dataWrite: {
    method: 'PUT',
    path: '/v1/projects/{project}/opa/v1/data/load/{dc}/k{n}',
    body: { n: '{n}', dc: '{dc}' },
    expect: [204],
    kind: 'write',
  },
}

export const scenarios = {
  smoke: {
    description: 'A few requests of every kind per second per DC: checks that both DCs answer every API.',
    rate: 10,
    duration: 5,
    maxInFlight: 20,
    mix: [
      { request: 'whoami', weight: 1 },
      { request: 'decision', weight: 1 },
      { request: 'config', weight: 1 },
      { request: 'dataWrite', weight: 1 },
    ],
    thresholds: {
      http_req_failed: ['rate<0.01'],
      http_req_duration: ['p(99)<1000'],
    },
  },
  mixed: {
    description: 'The production mix: mostly config reads and decisions, some identity calls, 5% writes through etcd.',
    rate: 200,
    duration: 60,
    maxInFlight: 200,
    mix: [
      { request: 'config', weight: 50 },
      { request: 'decision', weight: 35 },
      { request: 'whoami', weight: 10 },
      { request: 'dataWrite', weight: 5 },
    ],
    thresholds: {
      http_req_failed: ['rate<0.01'],
      http_req_duration: ['p(95)<100', 'p(99)<250'],
      'http_req_duration{kind:write}': ['p(99)<500'],
      dropped_iterations: ['count<10'],
    },
  },
}

/** Replaces {name} placeholders in a string, or recursively in a JSON value. */
export function fill(value, vars) {
  if (typeof value === 'string') return value.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m))
  if (Array.isArray(value)) return value.map((v) => fill(v, vars))
  if (value && typeof value === 'object') {
    const out = {}
    for (const k of Object.keys(value)) out[k] = fill(value[k], vars)
    return out
  }
  return value
}

/** The request of `mix` for a number in [0, 1) (Math.random() in k6 and in the runner). */
export function pick(mix, r) {
  let total = 0
  for (const m of mix) total += m.weight
  let x = r * total
  for (const m of mix) {
    x -= m.weight
    if (x < 0) return m.request
  }
  return mix[mix.length - 1].request
}

/** Method, path, headers and body text of a request definition, placeholders filled. */
export function render(def, vars, key) {
  const headers = {}
  if (key) headers.authorization = `Bearer ${key}`
  let body
  if (def.body !== undefined) {
    const filled = fill(def.body, vars)
    body = typeof filled === 'string' ? filled : JSON.stringify(filled)
    headers['content-type'] = def.contentType || 'application/json'
  }
  return { method: def.method, path: fill(def.path, vars), headers, body }
}

/** A project id for one run: lowercase, unique enough per start time. */
export function runProject(nowMs) {
  return `lt-${Math.floor(nowMs).toString(36)}`
}
