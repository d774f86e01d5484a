/** Whose LLM budget and usage a request's gateway calls (answers, a gateway model's embeddings) count against. */
import type { LlmCaller } from '../../../src/contracts/llm.ts'

export const callerOf = (req: { params: unknown; principal: { subject: string; keyId?: string }; id: unknown }): LlmCaller => ({
  projectId: (req.params as { projectId: string }).projectId,
  subject: req.principal.subject,
  keyId: req.principal.keyId,
  requestId: String(req.id),
})
