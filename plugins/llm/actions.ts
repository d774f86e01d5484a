/** The LLM gateway's slice of the action catalog (assembled by the composition root). */
import type { ActionCatalog } from '../../src/contracts/authorization.ts'

export const llmActions = {
  /** Chat, responses, messages, embeddings, token counts and the model list, in the caller's project. */
  'llm.invoke': { scope: 'project', minRole: 'project-user' },
  'llm.config.read': { scope: 'project', minRole: 'project-user' },
  /** Providers, model aliases, budgets and guards. */
  'llm.config.write': { scope: 'project', minRole: 'project-admin' },
  /** Store or remove a provider's API key (write-only: keys are never returned). */
  'llm.keys.write': { scope: 'project', minRole: 'project-admin' },
  /** Usage and budget state. */
  'llm.usage.read': { scope: 'project', minRole: 'project-admin' },
} as const satisfies ActionCatalog
