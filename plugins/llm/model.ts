/**
 * The LLM gateway's one internal shape for a chat call, between the wire formats clients speak
 * (OpenAI chat completions and responses, Anthropic messages) and the providers it calls. Every
 * request is translated into it and every answer out of it, so any client format reaches any
 * provider, and budgets, guards and accounting are written once.
 */

export type Part =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; id: string; name: string; /** JSON text of the arguments, as the model wrote it. */ arguments: string }
  | { type: 'tool_result'; callId: string; content: string; isError?: boolean }

export interface Message {
  role: 'user' | 'assistant' | 'tool'
  parts: Part[]
}

export interface Tool {
  name: string
  description?: string
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>
}

export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'required' } | { type: 'tool'; name: string }

export type WireFormat = 'openai-chat' | 'openai-responses' | 'anthropic'

export interface ChatRequest {
  /** The model or alias the client asked for. */
  model: string
  system?: string
  messages: Message[]
  tools?: Tool[]
  toolChoice?: ToolChoice
  /** Output cap; the budget reservation lowers it to what remains. */
  maxTokens?: number
  temperature?: number
  topP?: number
  stop?: string[]
  /** The format the client spoke, and the request fields it sent that the canonical shape has no place for: forwarded to a provider of the same format. */
  source: { format: WireFormat; extra: Record<string, unknown> }
}

export type StopReason = 'end' | 'max_tokens' | 'tool_use' | 'stop_sequence' | 'refusal'

export interface Usage {
  inputTokens: number
  outputTokens: number
}

export interface ChatResponse {
  id: string
  /** The provider's model that answered. */
  model: string
  parts: Array<Extract<Part, { type: 'text' } | { type: 'tool_call' }>>
  stopReason: StopReason
  usage: Usage
}

/** What a streaming provider yields, in order: text and tool-call deltas, then exactly one `end`. */
export type StreamEvent =
  | { type: 'text'; index: number; text: string }
  | { type: 'tool_start'; index: number; id: string; name: string }
  | { type: 'tool_args'; index: number; json: string }
  | { type: 'end'; stopReason: StopReason; usage?: Usage; model?: string }

export interface EmbeddingRequest {
  model: string
  input: string[]
  dimensions?: number
}

export interface EmbeddingResponse {
  model: string
  vectors: number[][]
  usage: { inputTokens: number }
}

/** The text a request sends the model (for token counts, size limits and deny patterns). */
export function promptTexts(req: ChatRequest): string[] {
  const out: string[] = []
  if (req.system) out.push(req.system)
  for (const m of req.messages) {
    for (const p of m.parts) {
      if (p.type === 'text') out.push(p.text)
      else if (p.type === 'tool_call') out.push(p.name, p.arguments)
      else out.push(p.content)
    }
  }
  for (const t of req.tools ?? []) out.push(t.name, t.description ?? '', JSON.stringify(t.parameters))
  return out
}

/** The text of a message's text parts, joined. */
export function textOf(parts: Part[]): string {
  let s = ''
  for (const p of parts) if (p.type === 'text') s += p.text
  return s
}
