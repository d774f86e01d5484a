/**
 * Corpus models (what the offline embedder learned from one knowledge base, per index version) in
 * the app-data store, split into parts below Cosmos DB's 2 MB item limit, and the embedders built
 * on them, cached in memory (a model is megabytes; a bounded number stay loaded).
 */
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import { CorpusModel } from './embed/corpus-model.ts'
import { createOfflineEmbedder } from './embed/offline.ts'
import type { Embedder } from './embed/types.ts'
import { embeddingOf, type KnowledgeBase } from './model.ts'

const MODELS = 'rag.models'
const PART_CHARS = 1_500_000
const MAX_LOADED = 16

interface ModelMeta { kbId: string; version: number; parts: number; [k: string]: unknown }

const metaId = (kbId: string, version: number) => `${kbId}.v${version}`

export function createModelStore(appData: AppDataStore) {
  const loaded = new Map<string, Promise<{ model?: CorpusModel; embedder: Embedder }>>()

  async function save(projectId: string, kbId: string, version: number, model: CorpusModel): Promise<void> {
    const json = JSON.stringify(model.toJSON())
    const parts = Math.max(1, Math.ceil(json.length / PART_CHARS))
    for (let i = 0; i < parts; i++) {
      await appData.put(projectId, MODELS, `${metaId(kbId, version)}.${i}`, { kbId, version, part: i, data: json.slice(i * PART_CHARS, (i + 1) * PART_CHARS) })
    }
    // The meta record last: a model exists only once every part is stored.
    await appData.put<ModelMeta>(projectId, MODELS, metaId(kbId, version), { kbId, version, parts })
  }

  async function has(projectId: string, kbId: string, version: number): Promise<boolean> {
    return (await appData.get(projectId, MODELS, metaId(kbId, version))) !== undefined
  }

  async function load(projectId: string, kbId: string, version: number): Promise<CorpusModel | undefined> {
    const meta = await appData.get<ModelMeta>(projectId, MODELS, metaId(kbId, version))
    if (!meta) return undefined
    let json = ''
    for (let i = 0; i < meta.body.parts; i++) json += (await appData.get<{ data: string }>(projectId, MODELS, `${metaId(kbId, version)}.${i}`))?.body.data ?? ''
    return CorpusModel.fromJSON(JSON.parse(json))
  }

  /**
   * One index version's learned model (none before a reindex) and the offline embedder on it,
   * loaded once. A version embedded by a gateway model uses the learned model only for BM25.
   */
  function version(projectId: string, kb: KnowledgeBase, v: number): Promise<{ model?: CorpusModel; embedder: Embedder }> {
    const key = `${projectId}/${kb.id}/${kb.createdAt}/v${v}`
    let e = loaded.get(key)
    if (!e) {
      const trained = (kb.trainedVersions ?? []).includes(v)
      e = (async () => {
        const model = trained ? await load(projectId, kb.id, v) : undefined
        return { model, embedder: createOfflineEmbedder({ dimension: embeddingOf(kb, v).dimension, vocabulary: model }) }
      })()
      e.catch(() => loaded.delete(key))
      loaded.set(key, e)
      if (loaded.size > MAX_LOADED) loaded.delete(loaded.keys().next().value!)
    }
    return e
  }

  const model = async (projectId: string, kb: KnowledgeBase, v: number) => (await version(projectId, kb, v)).model

  async function deleteVersion(projectId: string, kbId: string, version: number): Promise<void> {
    const meta = await appData.get<ModelMeta>(projectId, MODELS, metaId(kbId, version))
    if (!meta) return
    await appData.delete(projectId, MODELS, metaId(kbId, version))
    for (let i = 0; i < meta.body.parts; i++) await appData.delete(projectId, MODELS, `${metaId(kbId, version)}.${i}`)
  }

  async function deleteKb(projectId: string, kb: KnowledgeBase): Promise<void> {
    for (const v of kb.trainedVersions ?? []) await deleteVersion(projectId, kb.id, v)
    if (kb.pending) await deleteVersion(projectId, kb.id, kb.pending.version)
  }

  const deleteProject = (projectId: string) => appData.deleteCollection(projectId, MODELS)

  return { save, has, load, version, model, deleteVersion, deleteKb, deleteProject }
}

export type ModelStore = ReturnType<typeof createModelStore>
