/**
 * Diffs between two versions of a namespace (two releases, a draft and its release). Keyed formats
 * compare their flattened entries key by key, so layout, comments, key order and number spelling
 * that flattening preserves (see index.ts) decide what counts as a change: reformatting a JSON
 * document is no change, `1.0` -> `1` is. Text compares lines.
 */
import { diffArrays } from 'diff'
import type { ConfigFormat } from '../model.ts'
import { parseDocument } from './parse.ts'
import type { DocumentDiff, FormatLimits, KeyChange } from './types.ts'

/**
 * Myers' algorithm costs (lines x edits): past this many edits in the differing middle, the
 * middle is reported as all removed then all added, which is correct if not minimal. A bound on
 * edits, not a timeout, so the same two releases always give the same diff in every process.
 */
export const MAX_EDIT_LENGTH = 1000

/** `before` undefined: the first version, everything is added. Throws FormatError if either does not parse. */
export function diffDocuments(format: ConfigFormat, before: string | undefined, after: string, limits: Partial<FormatLimits> = {}): DocumentDiff {
  if (format === 'text') return { changes: diffText(before ?? '', after) }
  const a = before === undefined ? Object.create(null) as Record<string, string> : parseDocument(format, before, limits).entries
  const b = parseDocument(format, after, limits).entries
  return { changes: diffEntries(a, b) }
}

export function diffEntries(before: Record<string, string>, after: Record<string, string>): KeyChange[] {
  const changes: KeyChange[] = []
  for (const key of Object.keys(before)) {
    if (!(key in after)) changes.push({ key, op: 'removed', before: before[key] })
    else if (before[key] !== after[key]) changes.push({ key, op: 'changed', before: before[key], after: after[key] })
  }
  for (const key of Object.keys(after)) if (!(key in before)) changes.push({ key, op: 'added', after: after[key] })
  return changes.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
}

/** Lines with their terminators, so that a change of line ending (or of the final newline) is a change. */
function lines(text: string): string[] {
  return text === '' ? [] : text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g)!
}

const strip = (line: string) => line.replace(/(?:\r\n|\r|\n)$/, '')

/**
 * Removed lines are numbered in `before`, added ones in `after`; `before`/`after` hold the line
 * without its terminator (so a change of terminator alone shows the same text removed and added).
 */
export function diffText(before: string, after: string): KeyChange[] {
  const a = lines(before)
  const b = lines(after)
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const midA = a.slice(head, a.length - tail)
  const midB = b.slice(head, b.length - tail)
  const parts = midA.length && midB.length
    ? diffArrays(midA, midB, { maxEditLength: MAX_EDIT_LENGTH }) ?? [{ removed: true, added: false, value: midA }, { removed: false, added: true, value: midB }]
    : [{ removed: true, added: false, value: midA }, { removed: false, added: true, value: midB }]
  const changes: KeyChange[] = []
  let lineA = head
  let lineB = head
  for (const part of parts) {
    for (const line of part.value) {
      if (part.removed) {
        lineA++
        changes.push({ key: `-${lineA}`, op: 'removed', line: lineA, before: strip(line) })
      } else if (part.added) {
        lineB++
        changes.push({ key: `+${lineB}`, op: 'added', line: lineB, after: strip(line) })
      } else {
        lineA++
        lineB++
      }
    }
  }
  return changes
}
