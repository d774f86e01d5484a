/** Who is calling, as established by the identity layer; handed to authorization and services. */
export interface Principal {
  subject: string
  via: 'api-key' | 'jwt'
  /** API key id when `via` is 'api-key'. */
  keyId?: string
  /**
   * A project-scoped API key can act only inside that project, whatever its subject's other roles;
   * null means unrestricted (a platform-level key or a JWT).
   */
  projectScope: string | null
  platformAdmin: boolean
}

/** The resource a request acts on, derived from the route. */
export interface Resource {
  type: string
  projectId?: string
  id?: string
}
