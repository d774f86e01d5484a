/** The rag domain's slice of the action catalog (assembled by the composition root). */
import type { ActionCatalog } from '../../src/contracts/authorization.ts'

export const ragActions = {
  /** Create and delete knowledge bases (their embedding model and chunking settings). */
  'rag.kb.write': { scope: 'project', minRole: 'project-admin' },
  'rag.kb.read': { scope: 'project', minRole: 'project-user' },
  /** Upload, replace and delete documents; cancel ingestion jobs. */
  'rag.document.write': { scope: 'project', minRole: 'project-user' },
  /** Documents and jobs; which documents a caller sees is the read policy's call (data.dyad.rag.read). */
  'rag.document.read': { scope: 'project', minRole: 'project-user' },
  'rag.search': { scope: 'project', minRole: 'project-user' },
  'rag.ask': { scope: 'project', minRole: 'project-user' },
} as const satisfies ActionCatalog
