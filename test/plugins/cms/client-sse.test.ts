/** The client's SSE parser against the WHATWG event-stream rules, fed in every possible chunking. */
import t from 'tap'
import { createSseParser, type SseEvent } from '../../../plugins/cms/client/index.ts'

function parseAll(chunks: string[]) {
  const events: SseEvent[] = []
  const retries: number[] = []
  const p = createSseParser({ onEvent: (e) => events.push(e), onRetry: (ms) => retries.push(ms) })
  for (const c of chunks) p.push(c)
  return { events, retries }
}

/** Every split of `text` into two chunks, plus one character at a time. */
function chunkings(text: string): string[][] {
  const out: string[][] = [[text], [...text]]
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)])
  return out
}

t.test('events, ids, comments, retry and line ends, however the stream is cut', async (t) => {
  const stream =
    '\uFEFFretry: 1000\r\nevent: ready\ndata: {"revision":7}\n\n' +
    ': keep-alive\r\r' +
    'id: 8\revent: change\rdata: {"namespace":"a",\rdata:"revision":8}\r\r' +
    'data\n\n' +
    'id: 9\r\nevent: change\r\ndata: x\r\nunknown: field\r\n\r\n' +
    'event: change\ndata: no new id\n\n' +
    'id: bad\0id\ndata: y\n\n' +
    'id:\nevent: ignored\n\n' +
    'data: incomplete'
  const want = [
    { event: 'ready', data: '{"revision":7}', lastEventId: '' },
    { event: 'change', data: '{"namespace":"a",\n"revision":8}', lastEventId: '8' },
    { event: 'message', data: '', lastEventId: '8' },
    { event: 'change', data: 'x', lastEventId: '9' },
    { event: 'change', data: 'no new id', lastEventId: '9' },
    { event: 'message', data: 'y', lastEventId: '9' },
  ]
  for (const chunks of chunkings(stream)) {
    const { events, retries } = parseAll(chunks)
    if (JSON.stringify(events) !== JSON.stringify(want) || retries.join() !== '1000') {
      t.same(events, want, `chunks ${JSON.stringify(chunks)}`)
      return
    }
  }
  t.pass(`all ${stream.length + 1} chunkings parse the same`)
})

t.test('an event without data is not dispatched, and an empty id resets the last id', async (t) => {
  const { events } = parseAll(['id: 5\nevent: change\n\n', 'id\ndata: z\n\n'])
  t.same(events, [{ event: 'message', data: 'z', lastEventId: '' }])
})

t.test('retry takes digits only', async (t) => {
  t.same(parseAll(['retry: 12a\nretry: -1\nretry:300\n\n']).retries, [300])
})
