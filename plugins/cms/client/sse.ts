/**
 * A server-sent events parser, as the WHATWG HTML standard defines the `text/event-stream` format
 * (section "Parsing an event stream"): lines end with CRLF, LF or CR (a CR at the end of one chunk
 * and an LF at the start of the next are one line end), `:` starts a comment, a field's value loses
 * one leading space, `data` lines join with `\n`, an empty line dispatches, an `id` with a NUL is
 * ignored, `retry` takes digits only. Written here (about sixty lines) rather than depending on an
 * EventSource implementation, because the watch needs what EventSource hides: its own resume
 * revision instead of Last-Event-ID, its own backoff, headers, and an idle timeout.
 */

export interface SseEvent {
  /** `message` when the event named none. */
  event: string
  data: string
  /** The last event id seen on this stream so far (ids persist across events, as in EventSource). */
  lastEventId: string
}

export interface SseParser {
  /** Feeds decoded text; calls `onEvent` for each complete event. */
  push(text: string): void
}

export function createSseParser(handlers: { onEvent(e: SseEvent): void; onRetry?(ms: number): void }): SseParser {
  let buffer = ''
  let first = true
  /** The previous chunk ended with CR: an LF starting this one belongs to that line end. */
  let pendingCr = false
  let data: string[] = []
  let eventType = ''
  let lastEventId = ''

  function line(l: string) {
    if (l === '') {
      if (data.length > 0) handlers.onEvent({ event: eventType || 'message', data: data.join('\n'), lastEventId })
      data = []
      eventType = ''
      return
    }
    if (l.startsWith(':')) return
    const i = l.indexOf(':')
    const field = i < 0 ? l : l.slice(0, i)
    let value = i < 0 ? '' : l.slice(i + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') eventType = value
    else if (field === 'id') {
      if (!value.includes('\0')) lastEventId = value
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) handlers.onRetry?.(Number(value))
    }
  }

  return {
    push(text) {
      if (first && text.length > 0) {
        first = false
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      }
      if (pendingCr && text.startsWith('\n')) text = text.slice(1)
      pendingCr = false
      buffer += text
      let start = 0
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i)
        if (c !== 10 && c !== 13) continue
        line(buffer.slice(start, i))
        if (c === 13) {
          if (i + 1 === buffer.length) pendingCr = true
          else if (buffer.charCodeAt(i + 1) === 10) i++
        }
        start = i + 1
      }
      buffer = buffer.slice(start)
    },
  }
}
