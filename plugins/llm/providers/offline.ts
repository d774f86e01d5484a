/**
 * The offline provider: deterministic answers and embeddings computed in-process, so the embedded
 * default can try every feature (chat, streaming, tools, embeddings, budgets, accounting) with no
 * provider key. Answers say plainly that they come from the offline model. Embeddings are feature
 * hashes of the words and word pairs (L2-normalised): texts sharing words are near, which is
 * enough for retrieval demos and tests, not a semantic model.
 */
import murmurhash from 'murmurhash'
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamEvent } from '../model.ts'
import { promptTexts, textOf } from '../model.ts'
import { countPrompt, countShort, countTokens } from '../tokens.ts'
import type { Provider } from './types.ts'

export const OFFLINE_DIMENSIONS = 256
const WORD = /[\p{L}\p{N}]+/gu

function lastUserText(req: ChatRequest): string {
  for (let i = req.messages.length - 1; i >= 0; i--) {
    const m = req.messages[i]!
    if (m.role === 'user') return textOf(m.parts)
    if (m.role === 'tool') return m.parts.map((p) => (p.type === 'tool_result' ? p.content : '')).join(' ')
  }
  return ''
}

/** The answer's pieces (words with their spacing), before any max_tokens cut. */
function answerPieces(req: ChatRequest): string[] {
  const said = lastUserText(req)
  const words = said.match(WORD) ?? []
  const quote = words.slice(0, 12).join(' ')
  const text = words.length === 0 ? 'Offline model: no LLM provider is configured, so this answer is generated locally.' : `Offline model: no LLM provider is configured. Your message has ${words.length} words and begins: "${quote}".`
  return text.split(/(?<= )/)
}

/** The tool the offline model calls: the one tool_choice forces, else none. */
function forcedTool(req: ChatRequest): string | undefined {
  const c = req.toolChoice
  if (!req.tools?.length || !c) return undefined
  if (c.type === 'tool') return c.name
  if (c.type === 'required') return req.tools[0]!.name
  return undefined
}

async function respond(req: ChatRequest, model: string): Promise<{ response: ChatResponse; pieces: string[] }> {
  const inputTokens = await countPrompt(model, promptTexts(req), req.messages.length)
  const tool = forcedTool(req)
  const id = `offline-${murmurhash.v3(JSON.stringify(req.messages)).toString(16)}`
  if (tool) {
    const args = '{}'
    return { response: { id, model, parts: [{ type: 'tool_call', id: `call_${id.slice(8)}`, name: tool, arguments: args }], stopReason: 'tool_use', usage: { inputTokens, outputTokens: countShort(model, tool + args) } }, pieces: [] }
  }
  const all = answerPieces(req)
  const pieces: string[] = []
  let out = 0
  let stopReason: ChatResponse['stopReason'] = 'end'
  for (const p of all) {
    const n = countShort(model, p)
    if (req.maxTokens !== undefined && out + n > req.maxTokens) {
      stopReason = 'max_tokens'
      break
    }
    out += n
    pieces.push(p)
  }
  return { response: { id, model, parts: [{ type: 'text', text: pieces.join('') }], stopReason, usage: { inputTokens, outputTokens: out } }, pieces }
}

/** Feature-hashed bag of words and word pairs, L2-normalised. */
export function offlineEmbedding(text: string, dimensions = OFFLINE_DIMENSIONS): number[] {
  const v = new Float64Array(dimensions)
  const words = (text.toLowerCase().match(WORD) ?? []) as string[]
  const add = (feature: string, weight: number) => {
    const h = murmurhash.v3(feature)
    v[h % dimensions]! += (h & 0x80000000 ? -1 : 1) * weight
  }
  for (let i = 0; i < words.length; i++) {
    add(words[i]!, 1)
    if (i > 0) add(`${words[i - 1]} ${words[i]}`, 0.5)
  }
  let norm = 0
  for (const x of v) norm += x * x
  norm = Math.sqrt(norm) || 1
  return Array.from(v, (x) => x / norm)
}

export function createOfflineProvider(): Provider {
  return {
    async chat(req, call) {
      return (await respond(req, call.model)).response
    },
    async *stream(req, call) {
      const { response, pieces } = await respond(req, call.model)
      const first = response.parts[0]
      if (first?.type === 'tool_call') {
        yield { type: 'tool_start', index: 0, id: first.id, name: first.name } satisfies StreamEvent
        yield { type: 'tool_args', index: 0, json: first.arguments } satisfies StreamEvent
      } else {
        for (const text of pieces) {
          if (call.signal.aborted) return
          yield { type: 'text', index: 0, text } satisfies StreamEvent
        }
      }
      yield { type: 'end', stopReason: response.stopReason, usage: response.usage, model: call.model }
    },
    async embed(req: EmbeddingRequest, call): Promise<EmbeddingResponse> {
      const dims = req.dimensions ?? OFFLINE_DIMENSIONS
      const vectors: number[][] = []
      for (const text of req.input) {
        vectors.push(offlineEmbedding(text, dims))
        if (vectors.length % 64 === 0) await new Promise((r) => setImmediate(r))
      }
      return { model: call.model, vectors, usage: { inputTokens: await countTokens('o200k', req.input) } }
    },
  }
}
