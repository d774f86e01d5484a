/** The shipped default RAG read policy (package dyad.rag, rule `read`), read once from its .rego file. */
import { readFileSync } from 'node:fs'

export const RAG_READ_POLICY_ID = 'dyad/rag-read.rego'
let source: string | undefined

export function ragReadPolicySource(): string {
  return (source ??= readFileSync(new URL('./rag-read.rego', import.meta.url), 'utf8'))
}
