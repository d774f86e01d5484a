/** Errors of the Spring Cloud Config adapter (CMS_SPRING_). Spring clients switch on the status only. */
import { errorArea } from '../../../src/shared/errors.ts'

const defineError = errorArea('CMS_SPRING_')

export const SpringErrors = {
  notFound: defineError(
    'CMS_SPRING_NOT_FOUND',
    404,
    'No Dyad environment answers this request: the application is a Dyad app and each profile one of its environments (the label is a cluster).',
  ),
} as const
