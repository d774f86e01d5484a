/**
 * Requests Node's HTTP parser refuses before Fastify sees them (malformed request line or headers,
 * headers or URL beyond `maxHeaderSize`, a request that took too long to arrive). There is no
 * request or reply object at that point, so the response is written to the socket by hand, in the
 * same error shape as every other error, with a fresh request id that is also logged.
 */
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyInstance } from 'fastify'
import { Errors, type ErrorKind } from '../shared/errors.ts'
import { errorBody } from './error-handler.ts'


/**
 * Node reports one HPE_HEADER_OVERFLOW for the whole header section, URL included. When the bytes
 * the parser failed on hold no line end, it failed inside the request line: the URL is too long.
 */
function kindOf(err: ConnectionError): ErrorKind {
  // Fastify's type says `{ type, data }` (a Buffer's JSON form); Node hands over the Buffer itself.
  const raw: unknown = err.rawPacket
  if (err.code === 'HPE_HEADER_OVERFLOW') return Buffer.isBuffer(raw) && !raw.includes(0x0a) ? Errors.uriTooLong : Errors.headersTooLarge
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return Errors.requestTimeout
  return Errors.malformedRequest
}

/** How long a refused connection may take to drain its error response before it is cut. */
const CLOSE_GRACE_MS = 5_000

/** Fastify calls this bound to the server instance (for its logger); its types do not say so. */
export function clientErrorHandler(this: unknown, err: ConnectionError, socket: Socket) {
  // A reset connection is already gone; and once a response has started on this socket (keep-alive),
  // a second status line would corrupt it: only closing is left.
  const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable || started) {
    socket.destroy()
    return
  }
  const kind = kindOf(err)
  const requestId = randomUUID()
  ;(this as FastifyInstance).log.info({ requestId, err: { code: err.code, message: err.message } }, 'refused a malformed HTTP request')
  const body = JSON.stringify(errorBody(kind.statusCode, kind.code, kind.defaultMessage, requestId))
  const head = [
    `HTTP/1.1 ${kind.statusCode} ${STATUS_CODES[kind.statusCode]}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    // The parser cannot resynchronise after a bad request: say so, then close once the bytes left.
    'connection: close',
  ]
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy())
  // A peer that never reads would keep the flush (and the socket) pending forever.
  setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref()
}
