/**
 * The principal directory: what the gateway needs to know about callers, answered by the platform
 * domain (which owns projects, members, admins and keys) from memory. Methods return a plain value
 * when the answer is cached and a promise only on a miss, so the request path allocates no promise
 * for a known caller.
 */
import type { ProjectRole } from './principal.ts'

export type MaybePromise<T> = T | Promise<T>

/** What authentication needs of an API key; the secret itself is never stored, only its hash. */
export interface ApiKeyView {
  id: string
  secretHash: string
  subject: string
  /** Project the key is scoped to; null for a platform-level key. */
  projectId: string | null
  expiresAt: string | null
  revokedAt: string | null
  lastUsedAt: string | null
}

export interface PrincipalDirectory {
  apiKey(id: string): MaybePromise<ApiKeyView | undefined>
  isPlatformAdmin(subject: string): MaybePromise<boolean>
  /** The subject's role in the project, or null when it is not a member. */
  roleOf(projectId: string, subject: string): MaybePromise<ProjectRole | null>
  /** Resolves when the project exists; throws the platform's 404 (PLATFORM_PROJECT_NOT_FOUND) otherwise. */
  assertProject(projectId: string): MaybePromise<void>
  /** Records that a key was used (at most once per interval per key; never awaited). */
  touchApiKey(id: string, at: Date): void
}
