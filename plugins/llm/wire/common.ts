/** Helpers the wire formats share: SSE framing, ids, and the request-shape checks. */
import { randomBytes } from 'node:crypto'
import { LlmErrors } from '../errors.ts'
import type { ToolChoice } from '../model.ts'

/** One server-sent event; `event` omitted for OpenAI chat's unnamed `data:` lines. */
export function sse(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`
}

export const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`

export const nowSeconds = () => Math.floor(Date.now() / 1000)

export function invalid(message: string, param?: string): never {
  throw LlmErrors.invalidRequest(message, param ? { param } : undefined)
}

export function str(v: unknown, param: string): string {
  if (typeof v !== 'string') invalid(`${param} must be a string`, param)
  return v
}

export function optNumber(v: unknown, param: string): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`${param} must be a number`, param)
  return v
}

export function optInt(v: unknown, param: string): number | undefined {
  const n = optNumber(v, param)
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) invalid(`${param} must be a positive integer`, param)
  return n
}

export function stopList(v: unknown, param: string): string[] | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v
  invalid(`${param} must be a string or a list of strings`, param)
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * OpenAI's `tool_choice`: auto, none, required, or one function, named under `function` in chat
 * completions (`{ type: 'function', function: { name } }`) and directly in responses (`{ type, name }`).
 */
export function openAiToolChoice(tc: unknown): ToolChoice | undefined {
  if (tc === undefined || tc === null) return undefined
  if (tc === 'auto' || tc === 'none' || tc === 'required') return { type: tc }
  if (isObject(tc) && isObject(tc.function)) return { type: 'tool', name: str(tc.function.name, 'tool_choice.function.name') }
  if (isObject(tc) && tc.type === 'function') return { type: 'tool', name: str(tc.name, 'tool_choice.name') }
  invalid('tool_choice must be auto, none, required or a function', 'tool_choice')
}

/** The body's fields other than `lifted`, kept for a provider of the same format. */
export function extraFields(body: Record<string, unknown>, lifted: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) if (!lifted.has(k)) out[k] = v
  return out
}
