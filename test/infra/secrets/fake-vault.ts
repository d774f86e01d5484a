/**
 * A strict in-process stand-in for Vault's KV v2 HTTP API (just what the adapter uses), since no
 * Vault can run here. It checks the token, the /v1/<mount>/{data,metadata}/ paths, the `{ data }`
 * write envelope and list-as-GET, and answers with KV v2's shapes and status codes (404 with an
 * empty `errors` list for a missing secret or folder, 204 for a metadata delete). It is our model of
 * Vault, so the real-server contract run (VAULT_ADDR) remains the authority.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeVault {
  addr: string
  token: string
  /** Every request as `METHOD path?query`, for asserting on what the adapter sent. */
  requests: string[]
  /** When set, every request is answered with this status (simulates a sealed or failing Vault). */
  failWith?: number
  close(): Promise<void>
}

export async function startFakeVault(mount = 'secret', token = 'fake-root-token'): Promise<FakeVault> {
  const secrets = new Map<string, { data: Record<string, string>; version: number }>()
  const state: Omit<FakeVault, 'close' | 'addr'> = { token, requests: [] }

  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
    res.end(body === undefined ? undefined : JSON.stringify(body))
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'))
  }

  function list(folder: string): string[] {
    const base = folder === '' || folder.endsWith('/') ? folder : `${folder}/`
    const keys = new Set<string>()
    for (const name of secrets.keys()) {
      if (!name.startsWith(base)) continue
      const rest = name.slice(base.length)
      keys.add(rest.includes('/') ? `${rest.slice(0, rest.indexOf('/'))}/` : rest)
    }
    return [...keys].sort()
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://vault')
    state.requests.push(`${req.method} ${url.pathname}${url.search}`)
    if (state.failWith) return send(res, state.failWith, { errors: ['simulated failure'] })
    if (req.headers['x-vault-token'] !== state.token) return send(res, 403, { errors: ['permission denied'] })
    if (req.method === 'GET' && url.pathname === '/v1/auth/token/lookup-self') {
      return send(res, 200, { data: { id: state.token, policies: ['root'] } })
    }
    const m = new RegExp(`^/v1/${mount}/(data|metadata)/(.*)$`).exec(url.pathname)
    if (!m) return send(res, 404, { errors: [] })
    const [, kind, path] = m
    const isList = url.searchParams.get('list') === '1' || url.searchParams.get('list') === 'true'
    if (kind === 'metadata' && req.method === 'GET' && isList) {
      const keys = list(path)
      return keys.length === 0 ? send(res, 404, { errors: [] }) : send(res, 200, { data: { keys } })
    }
    if (path === '' || path.endsWith('/')) return send(res, 405, { errors: ['unsupported path'] })
    const entry = secrets.get(path)
    if (kind === 'data' && req.method === 'GET') {
      return entry ? send(res, 200, { data: { data: entry.data, metadata: { version: entry.version } } }) : send(res, 404, { errors: [] })
    }
    if (kind === 'data' && (req.method === 'POST' || req.method === 'PUT')) {
      const body = (await readJson(req)) as { data?: unknown } | undefined
      const data = body?.data
      if (!data || typeof data !== 'object' || Array.isArray(data)) return send(res, 400, { errors: ['no data provided'] })
      const version = (entry?.version ?? 0) + 1
      secrets.set(path, { data: data as Record<string, string>, version })
      return send(res, 200, { data: { version } })
    }
    if (kind === 'metadata' && req.method === 'GET') {
      return entry ? send(res, 200, { data: { current_version: entry.version } }) : send(res, 404, { errors: [] })
    }
    if (kind === 'metadata' && req.method === 'DELETE') {
      secrets.delete(path)
      return send(res, 204)
    }
    return send(res, 405, { errors: ['unsupported operation'] })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { errors: ['fake vault error'] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return Object.assign(state, {
    addr: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  })
}
