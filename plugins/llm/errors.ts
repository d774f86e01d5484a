/** The LLM gateway's error codes (LLM_), declared once. */
import { errorArea } from '../../src/shared/errors.ts'

const defineError = errorArea('LLM_')

export const LlmErrors = {
  projectRequired: defineError('LLM_PROJECT_REQUIRED', 400, 'Say which project this call is for: use a project-scoped API key or send the Dyad-Project header.'),
  invalidRequest: defineError('LLM_INVALID_REQUEST', 400, 'The request is not a valid call in this wire format.'),
  invalidConfig: defineError('LLM_INVALID_CONFIG', 422, 'The LLM configuration is not valid.'),
  modelNotFound: defineError('LLM_MODEL_NOT_FOUND', 404, 'The project has no such model or alias.'),
  wrongKind: defineError('LLM_WRONG_MODEL_KIND', 400, 'The model is not of the kind this endpoint serves (chat or embedding).'),
  providerNotFound: defineError('LLM_PROVIDER_NOT_FOUND', 404, 'The project has no such provider.'),
  keyMissing: defineError('LLM_PROVIDER_KEY_MISSING', 424, "The provider's API key is not in the secrets store."),
  promptTooLarge: defineError('LLM_PROMPT_TOO_LARGE', 413, "The prompt is larger than the project's limit."),
  promptDenied: defineError('LLM_PROMPT_DENIED', 422, "The prompt matches one of the project's deny patterns."),
  outputDenied: defineError('LLM_OUTPUT_DENIED', 422, "The answer matches one of the project's deny patterns."),
  budgetExceeded: defineError('LLM_BUDGET_EXCEEDED', 429, 'The token budget cannot cover this request.'),
  quotaExceeded: defineError('LLM_QUOTA_EXCEEDED', 429, 'The request quota is used up for this period.'),
  upstreamError: defineError('LLM_UPSTREAM_ERROR', 502, 'Every provider target failed.'),
  upstreamTimeout: defineError('LLM_UPSTREAM_TIMEOUT', 504, 'No provider target answered in time.'),
  upstreamRefused: defineError('LLM_UPSTREAM_REFUSED', 400, 'The provider refused the request as invalid.'),
  configUnavailable: defineError('LLM_CONFIG_UNAVAILABLE', 503, 'The LLM configuration cannot be read right now.'),
  ledgerUnavailable: defineError('LLM_LEDGER_UNAVAILABLE', 503, 'The budget ledger cannot be reached, so no reservation can be made.'),
} as const
