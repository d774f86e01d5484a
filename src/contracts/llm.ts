/**
 * The LLM gateway's in-process path for other domains (rag's answers and embeddings): the same aliases, budgets,
 * fallback and usage accounting as the HTTP endpoints. The llm domain implements it; the
 * composition root hands it over. Imports nothing.
 */
export interface LlmCaller {
  projectId: string
  subject: string
  keyId?: string
  requestId?: string
}

export interface LlmTextRequest {
  /** A model or alias configured for the project (the embedded default has `default-chat`). */
  model: string
  system?: string
  messages: Array<{ role: 'user' | 'assistant'; content: string }>
  maxTokens?: number
}

export interface LlmTextResponse {
  text: string
  /** The provider's model that answered. */
  model: string
  usage: { inputTokens: number; outputTokens: number }
}

export interface LlmEmbedRequest {
  /** An embedding model or alias configured for the project (the embedded default has `default-embed`). */
  model: string
  input: string[]
  /** Asks the model for vectors of this length (models that can shorten theirs, e.g. OpenAI's text-embedding-3). */
  dimensions?: number
}

export interface LlmEmbedResponse {
  /** One vector per input, in order. */
  vectors: number[][]
  model: string
  usage: { inputTokens: number }
}

export interface LlmFacade {
  chat(caller: LlmCaller, req: LlmTextRequest): Promise<LlmTextResponse>
  embed(caller: LlmCaller, req: LlmEmbedRequest): Promise<LlmEmbedResponse>
}
