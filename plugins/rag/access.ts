/** The rule that decides which documents a reader may read (src/contracts/filter.ts), as the Compile API names it. */
export const RAG_READ_POLICY_PATH = 'dyad/rag/read'
