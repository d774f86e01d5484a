/**
 * Errors of the Apollo config-service adapter (CMS_APOLLO_). Apollo clients switch on the HTTP
 * status only (Apollo's guide: 400 bad parameters, 401 access key, 404 not published); the body is
 * Dyad's usual error shape, whose messages say what to fix.
 */
import { errorArea } from '../../../src/shared/errors.ts'

const defineError = errorArea('CMS_APOLLO_')

export const ApolloErrors = {
  invalidAppId: defineError('CMS_APOLLO_INVALID_APP_ID', 400, 'Send the Apollo appId (in the path, or as ?appId= for notifications/v2).'),
  noAccessKey: defineError(
    'CMS_APOLLO_NO_ACCESS_KEY',
    401,
    'This app has no Apollo access key, and Dyad never serves config unauthenticated: create an access key for the app and set its secret in the client (apollo.access-key.secret).',
  ),
  unauthorized: defineError(
    'CMS_APOLLO_UNAUTHORIZED',
    401,
    'The Apollo signature is missing or wrong: send Authorization: Apollo {appId}:{signature} and Timestamp, signed with one of the app\'s access-key secrets.',
  ),
  timestampSkewed: defineError(
    'CMS_APOLLO_TIMESTAMP_SKEWED',
    401,
    'The Timestamp header is missing or too far from the server\'s clock (RequestTimeTooSkewed); check the client machine\'s clock.',
  ),
  invalidNotifications: defineError(
    'CMS_APOLLO_INVALID_NOTIFICATIONS',
    400,
    'notifications must be a JSON array of {"namespaceName": string, "notificationId": integer}, URL-encoded.',
  ),
  notFound: defineError('CMS_APOLLO_CONFIG_NOT_FOUND', 404, 'Could not load configurations: the namespace is not published for this app, environment and cluster.'),
} as const
