/**
 * Embeddings from a model of the project's LLM gateway (an embedding alias: OpenAI's
 * text-embedding-3, an OpenAI-compatible server, or the gateway's offline model), through the
 * gateway's in-process path, so the project's provider keys, fallback, token budgets and usage
 * accounting apply to ingestion and queries exactly as to its HTTP clients.
 *
 * A knowledge base's index has one dimension: every vector is checked against it (a provider that
 * changes its output length fails the batch instead of corrupting the index) and L2-normalised,
 * since the index ranks by cosine.
 */
import type { LlmCaller, LlmFacade } from '../../../src/contracts/llm.ts'
import { RagErrors } from '../errors.ts'
import type { Embedder } from './types.ts'

/** Inputs per gateway call: below OpenAI's 2,048 per request, and small enough to report progress often. */
const BATCH = 128

export interface GatewayEmbedderOptions {
  llm: LlmFacade
  /** Whose budget the calls count against: the searching caller, or the knowledge base's ingestion identity. */
  caller: LlmCaller
  model: string
  dimension: number
  /** Send `dimensions` with each call (models that shorten their vectors on request). */
  sendDimensions: boolean
}

export function createGatewayEmbedder(opts: GatewayEmbedderOptions): Embedder {
  const { llm, caller, model, dimension, sendDimensions } = opts
  return {
    provider: 'gateway',
    model,
    dimension,
    async embed(texts) {
      const out: Float32Array[] = []
      for (let i = 0; i < texts.length; i += BATCH) {
        const input = texts.slice(i, i + BATCH)
        const res = await llm.embed(caller, { model, input, ...(sendDimensions ? { dimensions: dimension } : {}) })
        if (res.vectors.length !== input.length) {
          throw RagErrors.embeddingInvalid(`The model ${model} returned ${res.vectors.length} vectors for ${input.length} texts.`)
        }
        for (const v of res.vectors) out.push(normalised(v, dimension, model))
      }
      return out
    },
  }
}

function normalised(v: number[], dimension: number, model: string): Float32Array {
  if (v.length !== dimension) {
    throw RagErrors.embeddingInvalid(`The model ${model} returned a vector of ${v.length} dimensions; the knowledge base has ${dimension}.`)
  }
  let norm = 0
  for (const x of v) {
    if (!Number.isFinite(x)) throw RagErrors.embeddingInvalid(`The model ${model} returned a vector with a non-finite value.`)
    norm += x * x
  }
  if (norm === 0) throw RagErrors.embeddingInvalid(`The model ${model} returned a zero vector, which has no direction to rank by.`)
  const f = new Float32Array(dimension)
  const s = 1 / Math.sqrt(norm)
  for (let i = 0; i < dimension; i++) f[i] = v[i]! * s
  return f
}

/**
 * The dimension a model answers with: asks it to embed one short text (with `dimensions` when the
 * caller asked for a length). Used once, when a knowledge base is created or its model changes.
 */
export async function probeDimension(llm: LlmFacade, caller: LlmCaller, model: string, dimension?: number): Promise<number> {
  const res = await llm.embed(caller, { model, input: ['dimension probe'], ...(dimension ? { dimensions: dimension } : {}) })
  const n = res.vectors[0]?.length ?? 0
  if (n === 0) throw RagErrors.embeddingInvalid(`The model ${model} returned no vector.`)
  if (dimension !== undefined && n !== dimension) {
    throw RagErrors.embeddingInvalid(`The model ${model} answers with ${n} dimensions, not the ${dimension} asked for (it may not support shortening).`)
  }
  return n
}
