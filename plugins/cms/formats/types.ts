/** The shapes the format module returns; see index.ts for the conventions behind them. */
import type { ConfigFormat } from '../model.ts'
import type { FormatWarning } from './errors.ts'

export interface ParsedDocument {
  format: ConfigFormat
  /** A JSON value for json/yaml, the key -> value map for properties, the text itself for text. */
  value: unknown
  /** The flattened key -> string view (see index.ts): what key/value clients read and diffs compare. */
  entries: Record<string, string>
  warnings: FormatWarning[]
}

/** Bounds on hostile input. A document past any of them is refused with a `limit` FormatError. */
export interface FormatLimits {
  /** Containers nested in one another (the root object or array is level 1). */
  maxDepth: number
  /** Flattened entries (leaves) of one document; also the properties format's key count. */
  maxKeys: number
  /** The yaml package's alias budget (aliases resolved x aliases inside their anchors). */
  maxAliasCount: number
}

export const DEFAULT_LIMITS: Readonly<FormatLimits> = Object.freeze({ maxDepth: 64, maxKeys: 50_000, maxAliasCount: 100 })

export interface KeyChange {
  /** The entry key; for text, `-N` (line N of before removed) or `+N` (line N of after added). */
  key: string
  op: 'added' | 'removed' | 'changed'
  before?: string
  after?: string
  /** Text only: the line number, in `before` for a removal and in `after` for an addition. */
  line?: number
}

export interface DocumentDiff {
  /** Keyed formats: sorted by key (code unit order). Text: in the order of a unified diff. */
  changes: KeyChange[]
}

export type RenderTarget = 'json' | 'yaml' | 'properties'
