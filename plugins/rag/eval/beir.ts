/**
 * Loads a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) line by line, so memory is
 * the records kept, not the file. Everything is bounded: the bytes read per file, the length of one
 * line, and the number of records; a bad line names its file and line number.
 */
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { RagErrors } from '../errors.ts'
import type { Qrels } from './metrics.ts'

export interface BeirDoc { id: string; title: string; text: string }
export interface BeirQuery { id: string; text: string }
export interface BeirLimits { maxBytes?: number; maxLineChars?: number; maxRecords?: number }
export interface BeirData { corpus: BeirDoc[]; queries: BeirQuery[]; qrels: Qrels }

const DEFAULTS = { maxBytes: 512 * 1024 * 1024, maxLineChars: 1024 * 1024, maxRecords: 2_000_000 }

/** Every line of `path` (empty ones skipped), with its 1-based number, within the limits. */
export async function* lines(path: string, limits: BeirLimits = {}): AsyncGenerator<[string, number]> {
  const { maxBytes, maxLineChars, maxRecords } = { ...DEFAULTS, ...limits }
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 })
  let bytes = 0
  stream.on('data', (chunk) => {
    bytes += Buffer.byteLength(chunk as string)
    if (bytes > maxBytes) stream.destroy(RagErrors.evalDataTooLarge(`${path} is larger than ${maxBytes} bytes`))
  })
  const rl = createInterface({ input: stream, crlfDelay: Infinity })
  let n = 0
  let records = 0
  try {
    for await (const line of rl) {
      n++
      if (line.length > maxLineChars) throw RagErrors.evalDataTooLarge(`${path}:${n} is longer than ${maxLineChars} characters`)
      if (line.trim() === '') continue
      if (++records > maxRecords) throw RagErrors.evalDataTooLarge(`${path} has more than ${maxRecords} records`)
      yield [line, n]
    }
  } finally {
    rl.close()
    stream.destroy()
  }
}

function record(line: string, where: string): Record<string, unknown> {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch {
    throw RagErrors.evalDataInvalid(`${where} is not JSON`)
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw RagErrors.evalDataInvalid(`${where} is not a JSON object`)
  const id = (v as { _id?: unknown })._id
  if (typeof id !== 'string' || id === '') throw RagErrors.evalDataInvalid(`${where} has no string _id`)
  return v as Record<string, unknown>
}

const str = (v: unknown) => (typeof v === 'string' ? v : '')

export async function loadCorpus(path: string, limits?: BeirLimits): Promise<BeirDoc[]> {
  const out: BeirDoc[] = []
  for await (const [line, n] of lines(path, limits)) {
    const r = record(line, `${path}:${n}`)
    out.push({ id: r._id as string, title: str(r.title), text: str(r.text) })
  }
  return out
}

export async function loadQueries(path: string, limits?: BeirLimits): Promise<BeirQuery[]> {
  const out: BeirQuery[] = []
  for await (const [line, n] of lines(path, limits)) {
    const r = record(line, `${path}:${n}`)
    out.push({ id: r._id as string, text: str(r.text) })
  }
  return out
}

/** query-id, corpus-id, score per line; a header line (BEIR's `query-id\tcorpus-id\tscore`) is skipped. */
export async function loadQrels(path: string, limits?: BeirLimits): Promise<Qrels> {
  const qrels: Qrels = new Map()
  for await (const [line, n] of lines(path, limits)) {
    const cols = line.split('\t')
    if (n === 1 && cols[0] === 'query-id') continue
    const score = Number(cols[2])
    if (cols.length !== 3 || !cols[0] || !cols[1] || !Number.isInteger(score)) {
      throw RagErrors.evalDataInvalid(`${path}:${n} is not "query-id<TAB>corpus-id<TAB>integer score"`)
    }
    let judged = qrels.get(cols[0])
    if (!judged) qrels.set(cols[0], (judged = new Map()))
    judged.set(cols[1], score)
  }
  return qrels
}

export async function loadBeir(dir: string, split = 'test', limits?: BeirLimits): Promise<BeirData> {
  const [corpus, queries, qrels] = await Promise.all([
    loadCorpus(join(dir, 'corpus.jsonl'), limits),
    loadQueries(join(dir, 'queries.jsonl'), limits),
    loadQrels(join(dir, 'qrels', `${split}.tsv`), limits),
  ])
  return { corpus, queries, qrels }
}
