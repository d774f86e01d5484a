/**
 * Path parameters are checked once for every route, after authentication and before authorization,
 * so no policy, store or log ever sees a control byte or an oversized id, whatever a route's own
 * schema says (route schemas validate after authorization, and some routes have none for `*`).
 * `projectId` must be a project id (the shared IdSchema pattern): `/v1/projects/UPPER` is a 400,
 * not a 403 from a policy that was asked about a project that cannot exist.
 */
import { IdSchema } from '../contracts/schemas.ts'
import { Errors } from '../shared/errors.ts'

const PROJECT_ID_RE = new RegExp(IdSchema.pattern)
// C0 controls, DEL and C1 controls: never meaningful in an id or a data path.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/
/** Longer than any id or data path a route accepts. */
export const MAX_PATH_PARAM_LENGTH = 1024

export function checkPathParams(params: Record<string, string>): void {
  for (const name in params) {
    const value = params[name]
    if (typeof value !== 'string') continue
    if (value.length > MAX_PATH_PARAM_LENGTH) {
      throw Errors.validation(`Path parameter ${name} is longer than ${MAX_PATH_PARAM_LENGTH} characters.`, { params: [name] })
    }
    if (CONTROL_RE.test(value)) throw Errors.validation(`Path parameter ${name} contains a control character.`, { params: [name] })
  }
  const projectId = params.projectId
  if (projectId !== undefined && !PROJECT_ID_RE.test(projectId)) {
    throw Errors.validation('projectId must be a project id: lowercase letters, digits and dashes, starting with a letter or digit, at most 63 characters.', { params: ['projectId'] })
  }
}
