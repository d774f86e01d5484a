/**
 * Embedding settings of a knowledge base: what a caller may ask for (the offline embedder, or a
 * model of the project's LLM gateway), resolving that into stored settings (a gateway model is
 * asked for its dimension once), and the embedder an index version is built and searched with.
 */
import type { LlmCaller, LlmFacade } from '../../src/contracts/llm.ts'
import { createGatewayEmbedder, probeDimension } from './embed/gateway.ts'
import type { Embedder } from './embed/types.ts'
import { RagErrors } from './errors.ts'
import { embeddingOf, type EmbeddingSettings, type KnowledgeBase } from './model.ts'
import type { ModelStore } from './models.ts'

/** What a caller asks for: the offline embedder, or a model (alias) of the project's LLM gateway. */
export interface EmbeddingSpec {
  provider?: 'offline' | 'gateway'
  /** gateway: the embedding model or alias (default `default-embed`). */
  model?: string
  /** offline: the vector length (default 512). gateway: asked of the model; default the model's own. */
  dimension?: number
}

export const OFFLINE_EMBEDDING_MODEL = 'dyad-offline-1'
const OFFLINE_DEFAULT_DIMENSION = 512
const GATEWAY_DEFAULT_MODEL = 'default-embed'
/** Who ingestion and reindex jobs call the gateway as (their usage is the project's, under this subject). */
export const INGEST_SUBJECT = 'system:rag-ingest'

export const sameEmbedding = (a: EmbeddingSettings, b: EmbeddingSettings) =>
  a.provider === b.provider && a.model === b.model && a.dimension === b.dimension && (a.sendDimensions ?? false) === (b.sendDimensions ?? false)

export function createEmbeddings({ llm, models }: { llm: LlmFacade; models: ModelStore }) {
  /**
   * The embedder of one index version: a gateway model's (calls count against `caller`: the
   * searching caller, or the ingestion identity), or the offline one on the version's learned model.
   */
  async function embedderFor(projectId: string, kb: KnowledgeBase, version: number, caller?: LlmCaller): Promise<Embedder> {
    const e = embeddingOf(kb, version)
    if (e.provider === 'gateway') {
      return createGatewayEmbedder({ llm, caller: caller ?? { projectId, subject: INGEST_SUBJECT }, model: e.model, dimension: e.dimension, sendDimensions: e.sendDimensions === true })
    }
    return (await models.version(projectId, kb, version)).embedder
  }

  /** The settings a spec asks for; a gateway model is asked once for its dimension (so a wrong alias fails here, not in a job). */
  async function resolveEmbedding(projectId: string, spec: EmbeddingSpec, caller: LlmCaller): Promise<EmbeddingSettings> {
    if ((spec.provider ?? 'offline') === 'offline') {
      if (spec.model !== undefined && spec.model !== OFFLINE_EMBEDDING_MODEL) {
        throw RagErrors.invalidEmbedder(`The offline provider has one model, ${OFFLINE_EMBEDDING_MODEL}; for ${spec.model} use provider "gateway".`)
      }
      return { provider: 'offline', model: OFFLINE_EMBEDDING_MODEL, dimension: spec.dimension ?? OFFLINE_DEFAULT_DIMENSION }
    }
    const model = spec.model ?? GATEWAY_DEFAULT_MODEL
    const dimension = await probeDimension(llm, { ...caller, projectId }, model, spec.dimension)
    if (dimension < 16 || dimension > 4_000) throw RagErrors.embeddingInvalid(`The model ${model} answers with ${dimension} dimensions; an index takes 16 to 4,000.`)
    return { provider: 'gateway', model, dimension, ...(spec.dimension !== undefined ? { sendDimensions: true } : {}) }
  }

  return { embedderFor, resolveEmbedding }
}
