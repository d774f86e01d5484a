/**
 * Shared pieces of the retrieval contract: a seeded PRNG (so a failing random case reproduces),
 * document and chunk factories, the policy's view of a document, and a direct JS reference of the
 * port's metadata-filter semantics.
 */
import { randomBytes } from 'node:crypto'
import type { VectorScanInfo } from '../../../src/infra/retrieval/search-sql.ts'
import type { AccessCondition, ChunkInput, DocumentRecord, MetadataFilter, RetrievalStore, Scalar } from '../../../src/infra/ports/retrieval.ts'

export interface RetrievalHarness {
  store: RetrievalStore
  /** Where the adapter records each vector list's passes (see VectorScanInfo), when it reports them. */
  scans?: VectorScanInfo[]
  /** Closes the store and removes what the harness created. */
  cleanup(): Promise<void>
}

export const ALLOW: AccessCondition = { op: 'true' }

/** A fresh project id per test, so subtests never see each other's data. */
export const projectId = () => `p-${randomBytes(5).toString('hex')}`

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  }
}
export type Rng = ReturnType<typeof prng>

const AT = '2026-01-02T03:04:05.000Z'

export function doc(kbId: string, id: string, over: Partial<DocumentRecord> = {}): DocumentRecord {
  return { kbId, id, contentHash: `h-${id}`, metadata: {}, access: {}, text: `text of ${id}`, status: 'ready', createdAt: AT, updatedAt: AT, ...over }
}

export function chunk(index: number, text: string, embedding: number[], over: Partial<ChunkInput> = {}): ChunkInput {
  return { index, text, start: index * 10, end: index * 10 + text.length, headingPath: [], tokens: text.split(' ').length, embedding: new Float32Array(embedding), ...over }
}

/** `input.document` as the policy sees it: the record without its text and timestamps. */
export function policyView(d: DocumentRecord): Record<string, unknown> {
  const { text: _text, createdAt: _c, updatedAt: _u, ...view } = d
  return view
}

/** The port's filter semantics, directly. */
export function evalFilter(f: MetadataFilter, meta: Record<string, Scalar>): boolean {
  if (f.type === 'and') return f.filters.every((g) => evalFilter(g, meta))
  if (f.type === 'or') return f.filters.some((g) => evalFilter(g, meta))
  const leaf = f as Exclude<MetadataFilter, { filters: MetadataFilter[] }>
  const has = Object.hasOwn(meta, leaf.key)
  const v = meta[leaf.key]
  const same = (x: Scalar) => has && typeof v === typeof x && v === x
  if (leaf.type === 'in') return leaf.value.some(same)
  if (leaf.type === 'nin') return !leaf.value.some(same)
  if (leaf.type === 'eq') return same(leaf.value)
  if (leaf.type === 'ne') return !same(leaf.value)
  if (!has || typeof v !== typeof leaf.value || typeof v === 'boolean') return false
  const a = v as string | number, b = leaf.value as string | number
  return leaf.type === 'gt' ? a > b : leaf.type === 'gte' ? a >= b : leaf.type === 'lt' ? a < b : a <= b
}

/** Strings whose order differs between "C" and linguistic collations (case, accents), all in the BMP. */
export const STRINGS = ['a', 'B', 'b', 'Z', 'é', 'e', 'ab', '10', '9', 'alice', 'bob', 'g1', 'g2', '']
export const NUMBERS = [-1, 0, 1, 2.5, 9, 10, 100]
export const scalarFrom = (r: Rng): Scalar => (r.chance(0.45) ? r.pick(STRINGS) : r.chance(0.8) ? r.pick(NUMBERS) : r.chance(0.5))

export const META_KEYS = ['color', 'size', 'flag', 'rank']

/** A random document: every field sometimes absent, metadata of mixed types. */
export function randomDoc(r: Rng, kbId: string, id: string): DocumentRecord {
  const metadata: Record<string, Scalar> = {}
  for (const k of META_KEYS) if (r.chance(0.7)) metadata[k] = scalarFrom(r)
  const access: DocumentRecord['access'] = {}
  const ids = ['alice', 'bob', 'carol', 'a', '10']
  if (r.chance(0.7)) access.users = ids.filter(() => r.chance(0.3))
  if (r.chance(0.7)) access.groups = ['g1', 'g2', 'g3', 'B'].filter(() => r.chance(0.3))
  if (r.chance(0.6)) access.public = r.chance(0.5)
  const d = doc(kbId, id, { metadata, access, status: r.pick(['ready', 'failed', 'b']) })
  if (r.chance(0.6)) d.title = r.pick(STRINGS)
  return d
}

export function randomFilter(r: Rng, depth = 0): MetadataFilter {
  if (depth < 2 && r.chance(0.35)) {
    const filters = Array.from({ length: r.int(4) }, () => randomFilter(r, depth + 1))
    return { type: r.chance(0.5) ? 'and' : 'or', filters }
  }
  const key = r.pick([...META_KEYS, 'absent'])
  const type = r.pick(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'] as const)
  if (type === 'in' || type === 'nin') return { type, key, value: Array.from({ length: 1 + r.int(3) }, () => scalarFrom(r)) }
  let value = scalarFrom(r)
  if (typeof value === 'boolean' && type !== 'eq' && type !== 'ne') value = r.pick(NUMBERS)
  return { type, key, value }
}

const FIELDS: string[][] = [
  ['id'], ['kbId'], ['title'], ['status'], ['contentHash'], ['metadata'], ['access'],
  ...META_KEYS.map((k) => ['metadata', k]), ['metadata', 'absent'],
  ['access', 'users'], ['access', 'groups'], ['access', 'public'],
]

/** A random access condition over every field the policy view has, with values of every type. */
export function randomCondition(r: Rng, ids: string[], depth = 0): AccessCondition {
  if (depth < 3 && r.chance(0.4)) {
    const op = r.pick(['and', 'or', 'not'] as const)
    if (op === 'not') return { op, arg: randomCondition(r, ids, depth + 1) }
    return { op, args: Array.from({ length: r.int(4) }, () => randomCondition(r, ids, depth + 1)) }
  }
  if (r.chance(0.04)) return { op: r.chance(0.5) ? 'true' : 'false' }
  const field = { path: r.pick(FIELDS) }
  const value = (): Scalar => (field.path[0] === 'id' && r.chance(0.5) ? r.pick(ids) : scalarFrom(r))
  const op = r.pick(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains', 'overlaps'] as const)
  if (op === 'in' || op === 'overlaps') return { op, field, values: Array.from({ length: 1 + r.int(3) }, value) }
  if (op === 'contains') return { op, field, value: value() }
  return { op, field, value: r.chance(0.1) ? null : value() }
}

export const sortIds = (xs: string[]) => [...xs].sort()
