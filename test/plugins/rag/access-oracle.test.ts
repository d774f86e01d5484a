/**
 * A reader never sees, counts or gets an answer from a document the read policy denies: search,
 * count, list and ask are compared with evaluating the same policy document by document through
 * OPA's Data API, for seeded random documents and readers (API keys and JWTs with groups), under
 * the shipped policy and two replacements.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, bearer, JWT_SECRET, ADMIN_KEY } from '../../helpers/app.ts'
import { signHs256 } from '../../helpers/jwt.ts'
import { ragReadPolicySource } from '../../../plugins/policy/authz/rag-read.ts'

const P = 'acl'
const KB = `/v1/projects/${P}/rag/kbs/docs`
const USERS = ['u1', 'u2', 'u3', 'u4']
const GROUPS = ['g1', 'g2', 'g3']

function rng(seed: number) {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

const POLICIES = {
  shipped: ragReadPolicySource(),
  clearance: `package dyad.rag
default read := false
read if {
  input.document.metadata.level <= 1
  not input.subject.id in input.document.access.users
}
read if {
  some g in input.subject.groups
  g in input.document.access.groups
  input.document.metadata.level <= 2
}
`,
  departments: `package dyad.rag
import rego.v1
default read := false
allowed := {"u1": ["hr", "it"], "u2": ["finance"], "u3": ["hr"]}
read if input.document.metadata.dept in allowed[input.subject.id]
read if {
  input.document.access.public == true
  input.document.metadata.dept != "finance"
}
`,
}

async function put(app: FastifyInstance, headers: Record<string, string>, url: string, payload: unknown, type = 'application/json') {
  const res = await app.inject({ method: 'PUT', url, headers: { ...headers, 'content-type': type }, payload: payload as string })
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
}

t.test('search, count, list and ask agree with the policy evaluated per document', async (t) => {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: P, name: P } })
  const random = rng(7)
  const pick = <T>(xs: readonly T[]) => xs.filter(() => random() < 0.35)

  const readers: Array<{ id: string; groups: string[]; headers: Record<string, string> }> = []
  for (const [i, id] of USERS.entries()) {
    await put(app, admin, `/v1/projects/${P}/members/${id}`, { role: 'project-user' })
    if (i % 2 === 0) {
      const key = (await app.inject({ method: 'POST', url: `/v1/projects/${P}/api-keys`, headers: admin, payload: { name: id, subject: id } })).json().apiKey
      readers.push({ id, groups: [], headers: bearer(key) })
    } else {
      const groups = pick(GROUPS)
      readers.push({ id, groups, headers: bearer(signHs256({ sub: id, ...(groups.length ? { groups } : {}), exp: Math.floor(Date.now() / 1000) + 3600 }, JWT_SECRET)) })
    }
  }
  await app.inject({ method: 'POST', url: `/v1/projects/${P}/rag/kbs`, headers: admin, payload: { id: 'docs' } })
  const docs: Array<{ id: string; access: Record<string, unknown>; metadata: Record<string, unknown> }> = []
  const jobs: string[] = []
  for (let i = 0; i < 40; i++) {
    const access: Record<string, unknown> = {}
    if (random() < 0.7) access.users = pick(USERS)
    if (random() < 0.6) access.groups = pick(GROUPS)
    if (random() < 0.25) access.public = random() < 0.8
    const metadata = { level: Math.floor(random() * 4), dept: ['hr', 'it', 'finance'][Math.floor(random() * 3)]! }
    const id = `doc${i}`
    docs.push({ id, access, metadata })
    const res = await app.inject({ method: 'POST', url: `${KB}/documents`, headers: admin, payload: { id, text: `Shared policy memo number ${i}. Every memo mentions the quarterly review.`, access, metadata } })
    t.equal(res.statusCode, 202, res.body)
    jobs.push(res.json().job.id)
  }
  for (const id of jobs) {
    for (let i = 0; ; i++) {
      const job = (await app.inject({ method: 'GET', url: `/v1/projects/${P}/rag/jobs/${id}`, headers: admin })).json()
      if (job.state === 'succeeded') break
      if (i > 300 || job.state === 'failed') throw new Error(JSON.stringify(job))
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  for (const [name, source] of Object.entries(POLICIES)) {
    // The project's own copy of the policy, so OPA's Data API evaluates exactly what filters the index.
    await put(app, admin, `/v1/projects/${P}/opa/v1/policies/rag`, source, 'text/plain')
    for (const r of readers) {
      const expected: string[] = []
      for (const d of docs) {
        const input = { subject: { id: r.id, groups: r.groups, roles: ['project-user'] }, document: { id: d.id, access: d.access, metadata: d.metadata, status: 'ready' } }
        const res = await app.inject({ method: 'POST', url: `/v1/projects/${P}/opa/v1/data/dyad/rag/read`, headers: admin, payload: { input } })
        if (res.json().result === true) expected.push(d.id)
      }
      expected.sort()
      const hits = (await app.inject({ method: 'POST', url: `${KB}/search`, headers: r.headers, payload: { query: 'quarterly review memo', mode: 'keyword', k: 100 } })).json().hits
      t.same([...new Set(hits.map((h: { documentId: string }) => h.documentId))].sort(), expected, `${name}/${r.id}: search`)
      const hybrid = (await app.inject({ method: 'POST', url: `${KB}/search`, headers: r.headers, payload: { query: 'quarterly review memo', k: 100 } })).json().hits
      t.ok(hybrid.every((h: { documentId: string }) => expected.includes(h.documentId)), `${name}/${r.id}: hybrid search within the allowed set`)
      t.equal((await app.inject({ method: 'POST', url: `${KB}/count`, headers: r.headers, payload: {} })).json().count, expected.length, `${name}/${r.id}: count`)
      const listed = (await app.inject({ method: 'GET', url: `${KB}/documents?limit=100`, headers: r.headers })).json().items.map((d: { id: string }) => d.id)
      t.same(listed.sort(), expected, `${name}/${r.id}: list`)
      const ask = (await app.inject({ method: 'POST', url: `${KB}/ask`, headers: r.headers, payload: { question: 'What does every memo mention?' } })).json()
      t.ok(ask.citations.every((c: { documentId: string }) => expected.includes(c.documentId)), `${name}/${r.id}: answers cite allowed documents only`)
    }
  }
})
