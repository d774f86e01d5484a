/**
 * Token counts for budget reservations and the offline provider, with gpt-tokenizer's real BPE
 * encodings. Counting is bounded work on the event loop whatever the input: text is cut into
 * slices of at most SLICE characters (BPE cost grows with the square of one unbroken run, so a
 * megabyte without a space would otherwise stall the process for minutes), and the loop yields to
 * other requests every YIELD_EVERY slices. A cut can only keep or raise the count, which is the
 * safe direction for a reservation.
 *
 * Families: OpenAI's o200k (GPT-4o and later, o-series) and cl100k (GPT-4, GPT-3.5, embeddings).
 * Anthropic publishes no tokenizer for current models, so for them, and for any model we cannot
 * place, the count is the UTF-8 byte length: an upper bound for every byte-level BPE (a token is
 * at least one byte), so a reservation never undershoots; it is settled with the provider's real
 * usage afterwards.
 */
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base'
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base'

const SLICE = 512
const YIELD_EVERY = 64
/** Special-token text in a prompt is counted as ordinary text (gpt-tokenizer throws on it by default). */
const PLAIN = { disallowedSpecial: new Set<string>() }
/** Per-message framing tokens OpenAI's chat format adds (role markers), as its cookbook counts them. */
const PER_MESSAGE = 4

export type TokenFamily = 'o200k' | 'cl100k' | 'bytes'

export function familyOf(model: string): TokenFamily {
  const m = model.toLowerCase()
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o[1-9]|chatgpt|gpt-oss|offline)/.test(m)) return 'o200k'
  if (/^(gpt-4|gpt-3\.5|text-embedding|davinci|babbage)/.test(m)) return 'cl100k'
  return 'bytes'
}

function countSlice(family: TokenFamily, s: string): number {
  if (family === 'bytes') return Buffer.byteLength(s)
  return family === 'o200k' ? o200k(s, PLAIN) : cl100k(s, PLAIN)
}

/** Tokens of `texts` in `family`, yielding to the event loop while it counts. */
export async function countTokens(family: TokenFamily, texts: readonly string[]): Promise<number> {
  let total = 0
  let slices = 0
  for (const text of texts) {
    if (family === 'bytes') {
      total += Buffer.byteLength(text)
      continue
    }
    for (let i = 0; i < text.length; i += SLICE) {
      total += countSlice(family, text.slice(i, i + SLICE))
      if (++slices % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r))
    }
  }
  return total
}

/** Prompt tokens of a chat request: its texts plus the per-message framing. */
export async function countPrompt(model: string, texts: readonly string[], messages: number): Promise<number> {
  return (await countTokens(familyOf(model), texts)) + PER_MESSAGE * (messages + 1)
}

/** Synchronous count of one short text (a streamed delta): callers keep it small. */
export function countShort(model: string, text: string): number {
  const family = familyOf(model)
  let n = 0
  for (let i = 0; i < text.length; i += SLICE) n += countSlice(family, text.slice(i, i + SLICE))
  return n
}
