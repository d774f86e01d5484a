/**
 * One HTTP exchange over a raw loopback socket: the request is written byte for byte (malformed
 * request lines, 100 kB URLs, bare control bytes), which neither `inject` nor `fetch` would send.
 */
import net from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: any
  /** The server closed the connection (the client never closes first). */
  closedByServer: boolean
}

/** Writes `request` and reads until the server closes, or `waitMs` passes. */
export function rawRequest(port: number, request: string, waitMs = 2000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request))
    const chunks: Buffer[] = []
    let closedByServer = false
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const [head, ...rest] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n')
      const [statusLine, ...lines] = head.split('\r\n')
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
      const text = rest.join('\r\n\r\n')
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, closedByServer })
    }
    const timer = setTimeout(finish, waitMs)
    socket.on('data', (d) => chunks.push(d))
    socket.on('end', () => {
      closedByServer = true
      finish()
    })
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? finish() : reject(err)))
  })
}
