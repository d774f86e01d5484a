/**
 * Per-project guards on what reaches a model: a prompt size cap, deny patterns with RE2 semantics
 * (linear time whatever the input, so a tenant's pattern cannot stall the process), and the masking
 * applied to prompts a project chose to log.
 */
import { RE2JS } from 're2js'
import { LlmErrors } from './errors.ts'
import type { Guards } from './config.ts'

const compiled = new Map<string, RE2JS>()

function pattern(p: string): RE2JS {
  let re = compiled.get(p)
  if (!re) {
    re = RE2JS.compile(p)
    if (compiled.size >= 4096) compiled.delete(compiled.keys().next().value!)
    compiled.set(p, re)
  }
  return re
}

/** The first deny pattern any text matches. */
export function deniedBy(guards: Guards, texts: readonly string[]): string | undefined {
  for (const p of guards.denyPatterns ?? []) {
    const re = pattern(p)
    for (const t of texts) if (re.matcher(t).find()) return p
  }
  return undefined
}

export function checkPrompt(guards: Guards, defaultMaxBytes: number, texts: readonly string[]): void {
  const max = guards.maxPromptBytes ?? defaultMaxBytes
  let bytes = 0
  for (const t of texts) bytes += Buffer.byteLength(t)
  if (bytes > max) throw LlmErrors.promptTooLarge(`the prompt is ${bytes} bytes; this project allows ${max}`, { bytes, limit: max })
  const hit = deniedBy(guards, texts)
  if (hit !== undefined) throw LlmErrors.promptDenied('the prompt matches a deny pattern of this project', { pattern: hit })
}

/** A prompt as it may be logged: e-mail addresses, long digit runs and key-like tokens masked, at most 2,000 characters. */
export function maskPrompt(text: string): string {
  return text
    .slice(0, 2000)
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/\b(sk|pk|rk|dyad)[-_][A-Za-z0-9_-]{8,}/g, '[key]')
    .replace(/\d{6,}/g, (d) => '#'.repeat(d.length))
}
