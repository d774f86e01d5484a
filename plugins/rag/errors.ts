/** The RAG domain's error codes (RAG_), declared once. */
import { errorArea } from '../../src/shared/errors.ts'

const defineError = errorArea('RAG_')

export const RagErrors = {
  unsupportedFormat: defineError('RAG_UNSUPPORTED_FORMAT', 415, 'The document format is not one RAG can parse (text, markdown, html, pdf, json).'),
  documentUnparsable: defineError('RAG_DOCUMENT_UNPARSABLE', 422, 'The document could not be parsed in its declared format.'),
  documentEmpty: defineError('RAG_DOCUMENT_EMPTY', 422, 'The document has no text to index.'),
  documentTooLarge: defineError('RAG_DOCUMENT_TOO_LARGE', 413, "The document's text is larger than the limit."),
  parseTimeout: defineError('RAG_PARSE_TIMEOUT', 422, 'Parsing the document took longer than the limit.'),
  invalidChunking: defineError('RAG_INVALID_CHUNKING', 400, 'The chunking options are not valid.'),
  invalidEmbedder: defineError('RAG_INVALID_EMBEDDER', 400, 'The embedder options are not valid.'),
  invalidCorpusModel: defineError('RAG_INVALID_CORPUS_MODEL', 422, 'The stored corpus model is not valid.'),
  evalDataInvalid: defineError('RAG_EVAL_DATA_INVALID', 422, 'The evaluation data is not valid BEIR data.'),
  kbExists: defineError('RAG_KB_EXISTS', 409, 'A knowledge base with this id already exists in the project.'),
  fileNotFound: defineError('RAG_FILE_NOT_FOUND', 404, 'The file does not exist (or is not attached to this vector store).'),
  reindexInProgress: defineError('RAG_REINDEX_IN_PROGRESS', 409, 'A reindex of this knowledge base is already running.'),
  jobNotFound: defineError('RAG_JOB_NOT_FOUND', 404, 'The ingestion job does not exist.'),
  conversationNotFound: defineError('RAG_CONVERSATION_NOT_FOUND', 404, 'The conversation does not exist.'),
  uploadInvalid: defineError('RAG_UPLOAD_INVALID', 400, 'The upload is not valid.'),
  documentConflict: defineError('RAG_DOCUMENT_CONFLICT', 409, 'The document changed while this request was working on it.'),
  embeddingInvalid: defineError('RAG_EMBEDDING_INVALID', 422, 'The embedding model did not answer with usable vectors of the knowledge base\'s dimension.'),
  evalDataTooLarge: defineError('RAG_EVAL_DATA_TOO_LARGE', 413, 'The evaluation data is larger than the limit.'),
} as const
