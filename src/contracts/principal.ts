/**
 * Who is calling and what they act on: established by the gateway's identity layer, handed to
 * authorization and to every domain's service. Part of the contracts module: it imports nothing from
 * the gateway or from any domain, so both sides can depend on it.
 */

/** Roles inside one project (a platform admin is a flag on the principal, not a project role). */
export type ProjectRole = 'project-admin' | 'project-user'

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
  /** Groups from the JWT's `groups` claim (what a domain's read policy may match); none for an API key. */
  groups?: string[]
}

/** The resource a request acts on, derived from the route. */
export interface Resource {
  type: string
  projectId?: string
  id?: string
}
