/** The retrieval store's error codes (RAG_), declared once; the RAG domain may declare more RAG_ codes of its own. */
import { errorArea } from '../../shared/errors.ts'

const defineError = errorArea('RAG_')

export const RagStoreErrors = {
  filterInvalid: defineError('RAG_FILTER_INVALID', 400, 'The metadata filter is malformed, too deep or too large.'),
  accessInvalid: defineError('RAG_ACCESS_CONDITION_INVALID', 422, 'The access condition is malformed, too deep, too large or names an unknown field.'),
  queryInvalid: defineError('RAG_QUERY_INVALID', 400, 'The search query is not valid.'),
  inputInvalid: defineError('RAG_INPUT_INVALID', 400, 'The document or chunk is not valid.'),
  kbNotFound: defineError('RAG_KB_NOT_FOUND', 404, 'The knowledge base does not exist.'),
  documentNotFound: defineError('RAG_DOCUMENT_NOT_FOUND', 404, 'The document does not exist.'),
  dimensionInvalid: defineError('RAG_DIMENSION_INVALID', 400, 'The embedding dimension must be a whole number from 1 to 4000.'),
  dimensionMismatch: defineError('RAG_DIMENSION_MISMATCH', 409, "The embedding's dimension is not the knowledge base's."),
} as const
