/**
 * JSON records to text: one object, or an array of objects (one section per record), rendered as
 * "key: value" lines, nested keys joined with dots ("address.city: Oslo"), arrays of scalars on
 * one line. Rendering uses an explicit stack and stops descending at MAX_DEPTH, so a deeply nested
 * document costs bounded work and yields "[nested]" past the bound instead of overflowing.
 */
import { RagErrors } from '../errors.ts'
import { TextBuilder } from './builder.ts'
import type { ParsedDocument } from './types.ts'

const MAX_DEPTH = 8
const LABEL_KEYS = ['title', 'name', 'id']

export function parseJson(source: string, maxChars: number): ParsedDocument {
  let value: unknown
  try {
    value = JSON.parse(source)
  } catch (err) {
    throw RagErrors.documentUnparsable(`The document is not valid JSON: ${(err as Error).message.slice(0, 200)}`)
  }
  const records = Array.isArray(value) ? value : [value]
  const out = new TextBuilder(maxChars)
  records.forEach((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      throw RagErrors.documentUnparsable(Array.isArray(value) ? `JSON record ${i + 1} is not an object.` : 'The JSON document is not an object or an array of objects.')
    }
    const label = labelOf(r as Record<string, unknown>)
    if (Array.isArray(value)) out.section([label ?? `Record ${i + 1}`])
    else if (label) out.title = label
    out.block(renderRecord(r as Record<string, unknown>).join('\n'))
  })
  return out.finish()
}

function labelOf(r: Record<string, unknown>): string | undefined {
  for (const k of LABEL_KEYS) {
    const v = r[k]
    if ((typeof v === 'string' && v.trim() !== '') || typeof v === 'number') return String(v).trim().slice(0, 200)
  }
  return undefined
}

function scalar(v: unknown): string | undefined {
  if (v === null) return 'null'
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return undefined
}

/** The "key: value" lines of one record, depth-first in key order. */
export function renderRecord(record: Record<string, unknown>): string[] {
  const lines: string[] = []
  const stack: [string, unknown, number][] = Object.entries(record).reverse().map(([k, v]) => [k, v, 1])
  while (stack.length > 0) {
    const [key, v, depth] = stack.pop()!
    const s = scalar(v)
    if (s !== undefined) {
      lines.push(`${key}: ${s}`)
      continue
    }
    if (depth >= MAX_DEPTH) {
      lines.push(`${key}: [nested]`)
      continue
    }
    if (Array.isArray(v)) {
      const scalars = v.map(scalar)
      if (scalars.every((x) => x !== undefined)) {
        if (v.length > 0) lines.push(`${key}: ${scalars.join(', ')}`)
        continue
      }
      for (let i = v.length - 1; i >= 0; i--) stack.push([`${key}[${i}]`, v[i], depth + 1])
      continue
    }
    const entries = Object.entries(v as Record<string, unknown>)
    for (let i = entries.length - 1; i >= 0; i--) stack.push([`${key}.${entries[i]![0]}`, entries[i]![1], depth + 1])
  }
  return lines
}
