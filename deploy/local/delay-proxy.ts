/**
 * The WAN between the local topology's sites: a userspace TCP proxy that runs inside one site's
 * network namespace and carries its traffic to the other sites, adding a one-way delay to every
 * chunk in each direction (so a round trip costs the configured RTT), because the kernel here has
 * no netem. It can also cut the site off from chosen peers (a partition: established connections
 * are destroyed and new ones closed at once) and heal.
 *
 *   node --import tsx deploy/local/delay-proxy.ts <config.json>
 *
 * config: { site, delayMs (one way), control: { host, port },
 *           routes: [{ listen: port, peer: site, host, port }] }  (listens on 127.0.0.1)
 * control API (HTTP): GET /state; POST /partition?peers=dc2,wit; POST /heal; POST /delay?ms=N
 */
import { readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { connect, createServer, type Socket } from 'node:net'

interface Route { listen: number; peer: string; host: string; port: number }
interface Config { site: string; delayMs: number; control: { host: string; port: number }; routes: Route[] }

const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Config
let delayMs = config.delayMs
const cut = new Set<string>()
const open = new Map<string, Set<Socket>>()
/** Bytes queued in timers per direction before the source is paused (bounded memory). */
const HIGH_WATER = 4 * 1024 * 1024

/** Copies `from` to `to`, each chunk delivered `delayMs` later, in order, with backpressure. */
function relay(from: Socket, to: Socket) {
  let queued = 0
  from.on('data', (chunk: Buffer) => {
    if (delayMs <= 0) {
      if (!to.write(chunk)) from.pause()
      return
    }
    queued += chunk.length
    if (queued > HIGH_WATER) from.pause()
    setTimeout(() => {
      queued -= chunk.length
      if (!to.destroyed) to.write(chunk)
      if (queued <= HIGH_WATER && from.isPaused() && to.writableLength < HIGH_WATER) from.resume()
    }, delayMs)
  })
  to.on('drain', () => {
    if (queued <= HIGH_WATER) from.resume()
  })
  // The end (or the abort) of one side reaches the other after the data still in flight, never
  // before it: a peer that answers and closes (Patroni's health check) must not lose its answer.
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, delayMs)))
  from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, delayMs) + 1))
}

for (const route of config.routes) {
  const sockets = open.get(route.peer) ?? new Set<Socket>()
  open.set(route.peer, sockets)
  createServer((client) => {
    if (cut.has(route.peer)) return client.destroy()
    const upstream = connect({ host: route.host, port: route.port })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.setNoDelay(true)
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
      s.on('close', () => sockets.delete(s))
    }
    relay(client, upstream)
    relay(upstream, client)
  })
    .on('error', (err) => {
      console.error(`${config.site}: cannot listen on 127.0.0.1:${route.listen} for ${route.peer}: ${err.message}`)
      process.exit(1)
    })
    .listen(route.listen, '127.0.0.1')
}

createHttpServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://control')
  if (req.method === 'POST' && url.pathname === '/partition') {
    for (const peer of (url.searchParams.get('peers') ?? '').split(',').filter(Boolean)) {
      cut.add(peer)
      for (const s of open.get(peer) ?? []) s.destroy()
    }
  } else if (req.method === 'POST' && url.pathname === '/heal') {
    cut.clear()
  } else if (req.method === 'POST' && url.pathname === '/delay') {
    const ms = Number(url.searchParams.get('ms'))
    if (!Number.isFinite(ms) || ms < 0 || ms > 10_000) {
      res.writeHead(400).end('ms must be in [0, 10000]\n')
      return
    }
    delayMs = ms
  } else if (!(req.method === 'GET' && url.pathname === '/state')) {
    res.writeHead(404).end()
    return
  }
  const connections = Object.fromEntries([...open].map(([peer, s]) => [peer, s.size]))
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ site: config.site, delayMs, cut: [...cut], connections }))
}).listen(config.control.port, config.control.host, () => console.log(`${config.site}: delay proxy up (${config.routes.length} routes, ${delayMs} ms one way)`))
