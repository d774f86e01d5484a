/**
 * Policy decisions for other domains (cms publish approval, rag read filters): the policy domain
 * implements it, the composition root hands it to the domains that need it. A domain ships its own
 * default module for its package; a project replaces it by uploading a policy that defines the same
 * package through OPA's Policy API.
 */
export interface PolicyDecider {
  /**
   * The value of `data.<path>` for `input`, evaluated with the project's policies; when they leave
   * it undefined, with the shipped `fallback` module alone. Undefined when neither defines it.
   * Throws the policy domain's evaluation error (422) when the policy fails.
   */
  evaluate(projectId: string, path: string[], input: unknown, fallback: { id: string; raw: string }): Promise<unknown>
}
