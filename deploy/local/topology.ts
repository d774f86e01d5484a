/**
 * The two-datacenter topology on one machine, with the real engines from Debian's packages:
 *
 *   site  namespace   etcd (client/peer)  Postgres (Patroni REST)  HAProxy (HTTP / Postgres)  Dyad
 *   dc1   dyad-dc1    2379 / 2380         5432 (8008)              8001 / 5001                8101..
 *   dc2   dyad-dc2    2479 / 2480         5532 (8108)              8002 / 5002                8201..
 *   wit   dyad-wit    2579 / 2580         -                        -                          -
 *
 * Each site is a network namespace joined to a bridge in the root namespace (10.77.0.<n>; the root
 * namespace is 10.77.0.254). Every component is addressed as 127.0.0.1:<its port> from every site:
 * in its own site that is the component itself, elsewhere it is the site's delay proxy
 * (deploy/local/delay-proxy.ts), which carries the connection to the owner's site over the bridge
 * with the simulated WAN delay. So advertised addresses (etcd peers, Patroni members) are the same
 * everywhere, and all traffic between sites crosses a proxy that can delay or cut it.
 *
 * etcd is ONE cluster of three voting members (dc1, dc2, witness). Postgres is managed by Patroni
 * on that etcd: the first leader in dc1, a synchronous standby in dc2, synchronous_mode on and not
 * strict (writes degrade to asynchronous while the standby is away), failsafe_mode on. Each DC runs
 * an HAProxy that health-checks every Dyad process (/health/live; its own DC's first, the other's as
 * backups) and routes Postgres connections
 * to the current primary (Patroni's /primary check), and its Dyad processes, which prefer their
 * local etcd member and reach Postgres through their DC's HAProxy.
 *
 *   node --import tsx deploy/local/topology.ts up [--rtt MS] [--instances N] [--state DIR]
 *   node --import tsx deploy/local/topology.ts down [--state DIR]
 *   node --import tsx deploy/local/topology.ts status [--state DIR]
 *
 * Needs root (namespaces, veth), etcd-server, postgresql-15 with pgvector, patroni and haproxy
 * (deploy/test/install-deps.sh installs them).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PG_BIN = '/usr/lib/postgresql/15/bin'
const BRIDGE = 'dyadbr0'
const ROOT_IP = '10.77.0.254'

export interface Site { name: 'dc1' | 'dc2' | 'wit'; index: number; ns: string; ip: string; etcd: number; peer: number; pg?: number; rest?: number; lbHttp?: number; lbPg?: number; dyad: number[]; control: number }

export interface Topology {
  state: string
  rttMs: number
  instances: number
  adminKey: string
  pgPassword: string
  sites: Site[]
}

function sites(instances: number): Site[] {
  const site = (name: Site['name'], index: number, db: boolean): Site => {
    const off = (index - 1) * 100
    return {
      name,
      index,
      ns: `dyad-${name}`,
      ip: `10.77.0.${index}`,
      etcd: 2379 + off,
      peer: 2380 + off,
      control: 9000 + index,
      dyad: db ? Array.from({ length: instances }, (_, i) => 8001 + index * 100 + i) : [],
      ...(db ? { pg: 5432 + off, rest: 8008 + off, lbHttp: 8000 + index, lbPg: 5000 + index } : {}),
    }
  }
  return [site('dc1', 1, true), site('dc2', 2, true), site('wit', 3, false)]
}

const ports = (s: Site) => [s.etcd, s.peer, s.pg, s.rest, ...s.dyad].filter((p): p is number => p !== undefined)

function sh(cmd: string, args: string[], opts: { allowFail?: boolean } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout}`)
  return r
}

const log = (line: string) => process.stderr.write(`[topology] ${line}\n`)

/** Starts `argv` inside a site's namespace, detached, output to state/logs/<name>.log. */
function launch(t: Topology, site: Site, name: string, argv: string[], env: Record<string, string> = {}) {
  const logs = join(t.state, 'logs')
  mkdirSync(logs, { recursive: true })
  const out = openSync(join(logs, `${name}.log`), 'a')
  const child = spawn('ip', ['netns', 'exec', site.ns, ...argv], { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env }, cwd: ROOT })
  child.unref()
  writeFileSync(join(t.state, 'pids', name), String(child.pid))
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`)
}

const httpOk = (url: string, status = 200) => async () => (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === status

function network(t: Topology) {
  sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge'])
  sh('ip', ['addr', 'add', `${ROOT_IP}/24`, 'dev', BRIDGE])
  sh('ip', ['link', 'set', BRIDGE, 'up'])
  for (const s of t.sites) {
    sh('ip', ['netns', 'add', s.ns])
    sh('ip', ['link', 'add', `veth-${s.name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s.ns])
    sh('ip', ['link', 'set', `veth-${s.name}`, 'master', BRIDGE, 'up'])
    sh('ip', ['netns', 'exec', s.ns, 'ip', 'addr', 'add', `${s.ip}/24`, 'dev', 'eth0'])
    sh('ip', ['netns', 'exec', s.ns, 'ip', 'link', 'set', 'eth0', 'up'])
    sh('ip', ['netns', 'exec', s.ns, 'ip', 'link', 'set', 'lo', 'up'])
  }
}

function proxies(t: Topology) {
  for (const s of t.sites) {
    const routes = t.sites.filter((o) => o !== s).flatMap((o) => ports(o).map((port) => ({ listen: port, peer: o.name, host: o.ip, port })))
    const file = join(t.state, `proxy-${s.name}.json`)
    writeFileSync(file, JSON.stringify({ site: s.name, delayMs: t.rttMs / 2, control: { host: s.ip, port: s.control }, routes }, null, 2))
    launch(t, s, `proxy-${s.name}`, [process.execPath, '--import', 'tsx', 'deploy/local/delay-proxy.ts', file])
  }
}

function etcd(t: Topology) {
  // Heartbeat about the RTT (at least etcd's 100 ms default), election timeout ten heartbeats.
  const heartbeat = Math.max(100, Math.ceil(t.rttMs * 1.5))
  const cluster = t.sites.map((s) => `etcd-${s.name}=http://127.0.0.1:${s.peer}`).join(',')
  for (const s of t.sites) {
    const dir = join(t.state, `etcd-${s.name}`)
    launch(t, s, `etcd-${s.name}`, [
      'etcd', '--name', `etcd-${s.name}`, '--data-dir', dir,
      '--listen-client-urls', `http://0.0.0.0:${s.etcd}`, '--advertise-client-urls', `http://127.0.0.1:${s.etcd}`,
      '--listen-peer-urls', `http://0.0.0.0:${s.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${s.peer}`,
      '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'dyad-local',
      '--heartbeat-interval', String(heartbeat), '--election-timeout', String(heartbeat * 10), '--pre-vote',
    ])
  }
}

function patroniConfig(t: Topology, s: Site): string {
  const dir = join(t.state, `pg-${s.name}`)
  const etcdHosts = [s, ...t.sites.filter((o) => o !== s)].map((o) => `127.0.0.1:${o.etcd}`)
  return JSON.stringify({
    scope: 'dyad',
    namespace: '/patroni/',
    name: `pg-${s.name}`,
    restapi: { listen: `0.0.0.0:${s.rest}`, connect_address: `127.0.0.1:${s.rest}` },
    etcd3: { hosts: etcdHosts },
    bootstrap: {
      dcs: {
        ttl: 10,
        loop_wait: 2,
        retry_timeout: 3,
        maximum_lag_on_failover: 1048576,
        synchronous_mode: true,
        synchronous_mode_strict: false,
        failsafe_mode: true,
        postgresql: { use_pg_rewind: true, parameters: { wal_level: 'replica', hot_standby: 'on', wal_log_hints: 'on', max_wal_senders: 10, max_replication_slots: 10 } },
      },
      initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
      pg_hba: ['local all all trust', 'host replication replicator 0.0.0.0/0 scram-sha-256', 'host all all 0.0.0.0/0 scram-sha-256'],
    },
    postgresql: {
      listen: `0.0.0.0:${s.pg}`,
      connect_address: `127.0.0.1:${s.pg}`,
      data_dir: dir,
      bin_dir: PG_BIN,
      pgpass: join(t.state, `pgpass-${s.name}`),
      authentication: {
        superuser: { username: 'postgres', password: t.pgPassword },
        replication: { username: 'replicator', password: t.pgPassword },
        rewind: { username: 'postgres', password: t.pgPassword },
      },
      parameters: { unix_socket_directories: t.state, max_connections: 200 },
    },
  })
}

function patroni(t: Topology, s: Site) {
  const file = join(t.state, `patroni-${s.name}.yml`)
  writeFileSync(file, patroniConfig(t, s)) // JSON is YAML
  chownSync(file, 101, 104)
  // Postgres refuses to run as root: Patroni (and the postmaster it starts) run as `postgres`.
  launch(t, s, `patroni-${s.name}`, ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', 'patroni', file])
}

function haproxy(t: Topology, s: Site) {
  const dbSites = t.sites.filter((o) => o.pg !== undefined)
  const cfg = [
    'global',
    '  maxconn 4000',
    `  pidfile ${join(t.state, `haproxy-${s.name}.pid`)}`,
    'defaults',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  default-server inter 1s fall 2 rise 1',
    'frontend dyad',
    '  mode http',
    `  bind 0.0.0.0:${s.lbHttp}`,
    '  option forwardfor',
    '  default_backend dyad',
    'backend dyad',
    '  mode http',
    '  balance roundrobin',
    // Liveness, not readiness: /health/ready is 503 while a shared dependency (the Postgres primary
    // during a failover, etcd without quorum) is away, which is true of every process of the DC at
    // once; taking them all out of rotation would also stop the reads they serve from memory.
    '  option httpchk GET /health/live',
    '  http-check expect status 200',
    '  retry-on conn-failure empty-response response-timeout',
    // The DC's own processes take its traffic; the other DC's are backups, used only while none of
    // the local ones is healthy (a request then pays the WAN round trip instead of failing).
    ...dbSites.flatMap((o) => o.dyad.map((p, i) => `  server dyad-${o.name}-${i + 1} 127.0.0.1:${p} check${o === s ? '' : ' backup'}`)),
    'listen postgres-primary',
    '  mode tcp',
    `  bind 0.0.0.0:${s.lbPg}`,
    '  option httpchk GET /primary',
    '  http-check expect status 200',
    '  default-server on-marked-down shutdown-sessions',
    ...dbSites.map((o) => `  server pg-${o.name} 127.0.0.1:${o.pg} check port ${o.rest}`),
  ].join('\n')
  const file = join(t.state, `haproxy-${s.name}.cfg`)
  writeFileSync(file, `${cfg}\n`)
  launch(t, s, `haproxy-${s.name}`, ['haproxy', '-db', '-f', file])
}

function dyad(t: Topology, s: Site, i: number) {
  const port = s.dyad[i]
  const etcdEndpoints = [s, ...t.sites.filter((o) => o !== s)].map((o) => `http://127.0.0.1:${o.etcd}`).join(',')
  const node = join(ROOT, 'node_modules/.bin/node')
  launch(t, s, `dyad-${s.name}-${i + 1}`, [existsSync(node) ? node : process.execPath, '--import', 'tsx', 'src/server.ts'], {
    DYAD_DC: s.name,
    DYAD_HOST: '0.0.0.0',
    DYAD_PORT: String(port),
    DYAD_DATA_DIR: join(t.state, `dyad-${s.name}-${i + 1}`),
    DYAD_SQL: 'postgres',
    DYAD_POSTGRES_URL: `postgres://postgres:${t.pgPassword}@127.0.0.1:${s.lbPg}/postgres`,
    DYAD_KV: 'etcd',
    DYAD_ETCD_ENDPOINTS: etcdEndpoints,
    DYAD_BOOTSTRAP_ADMIN_KEY: t.adminKey,
    DYAD_LOG_LEVEL: 'info',
  })
}

/** SIGKILLs every process of a site (a whole DC lost at once, its WAN proxy included). */
export function killSite(site: Pick<Site, 'ns'>) {
  const pids = sh('ip', ['netns', 'pids', site.ns], { allowFail: true }).stdout.split('\n').filter(Boolean)
  for (const pid of pids) sh('kill', ['-9', pid], { allowFail: true })
  return pids.length
}

/** Kills every process left in the topology's namespaces and removes the network and the state. */
export function down(state: string) {
  const all = sites(1)
  for (const s of all) killSite(s)
  for (const s of all) {
    sh('ip', ['netns', 'del', s.ns], { allowFail: true })
    // The kernel removes a veth pair when its namespace goes, but not always before the next `up`.
    sh('ip', ['link', 'del', `veth-${s.name}`], { allowFail: true })
  }
  sh('ip', ['link', 'del', BRIDGE], { allowFail: true })
  rmSync(state, { recursive: true, force: true })
}

export function readTopology(state: string): Topology {
  return JSON.parse(readFileSync(join(state, 'topology.json'), 'utf8')) as Topology
}

/** Base URLs as seen from the root namespace (tests, operators): the two DCs' load balancers. */
export const lbUrl = (s: Site) => `http://${s.ip}:${s.lbHttp}`

export async function up(opts: { state: string; rttMs: number; instances: number }): Promise<Topology> {
  if (existsSync(join(opts.state, 'topology.json'))) throw new Error(`a topology is already up in ${opts.state} (run down first)`)
  down(opts.state) // leftovers of a run that died half-way
  const t: Topology = {
    state: opts.state,
    rttMs: opts.rttMs,
    instances: opts.instances,
    adminKey: `dyad_${randomBytes(10).toString('hex')}_${randomBytes(32).toString('base64url')}`,
    pgPassword: randomBytes(12).toString('hex'),
    sites: sites(opts.instances),
  }
  mkdirSync(join(t.state, 'pids'), { recursive: true })
  chownSync(t.state, 101, 104)
  const [dc1, dc2, wit] = t.sites
  try {
    network(t)
    proxies(t)
    for (const s of t.sites) await waitFor(`${s.name} delay proxy`, httpOk(`http://${s.ip}:${s.control}/state`))
    log(`network: 3 sites, ${t.rttMs} ms RTT between them`)
    etcd(t)
    for (const s of t.sites) await waitFor(`etcd in ${s.name}`, httpOk(`http://${s.ip}:${s.etcd}/health`))
    log('etcd: 3 members healthy')
    for (const s of [dc1, dc2]) {
      const dir = join(t.state, `pg-${s.name}`)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      chownSync(dir, 101, 104)
    }
    patroni(t, dc1)
    await waitFor('Postgres primary in dc1', httpOk(`http://${dc1.ip}:${dc1.rest}/primary`), 120_000)
    patroni(t, dc2)
    await waitFor('synchronous standby in dc2', httpOk(`http://${dc2.ip}:${dc2.rest}/sync`), 120_000)
    log('postgres: primary in dc1, synchronous standby in dc2')
    for (const s of [dc1, dc2]) haproxy(t, s)
    for (const s of [dc1, dc2]) await waitFor(`HAProxy in ${s.name}`, async () => (await fetch(`${lbUrl(s)}/health/live`).catch(() => null)) !== null)
    // Migrations and bootstrap must not collide: one process first, the rest together.
    dyad(t, dc1, 0)
    await waitFor('Dyad dc1-1', httpOk(`http://${dc1.ip}:${dc1.dyad[0]}/health/ready`), 120_000)
    for (const s of [dc1, dc2]) for (let i = 0; i < s.dyad.length; i++) if (!(s === dc1 && i === 0)) dyad(t, s, i)
    for (const s of [dc1, dc2]) for (const p of s.dyad) await waitFor(`Dyad ${s.name}:${p}`, httpOk(`http://${s.ip}:${p}/health/ready`), 120_000)
    // Until its first health check passes, an HAProxy sends its DC's traffic to the backups in the
    // other DC: wait until each routes to its own.
    const local = (s: Site) => async () => ((await (await fetch(`${lbUrl(s)}/health/ready`, { signal: AbortSignal.timeout(2000) })).json()) as { dc?: string }).dc === s.name
    for (const s of [dc1, dc2]) await waitFor(`HAProxy ${s.name} routing to its own DC's Dyad`, local(s))
    void wit
  } catch (err) {
    log(`up failed: ${(err as Error).message}; logs in ${join(t.state, 'logs')}`)
    throw err
  }
  writeFileSync(join(t.state, 'topology.json'), JSON.stringify(t, null, 2))
  writeFileSync(join(t.state, 'env'), `export DYAD_ADMIN_KEY=${t.adminKey}\nexport DYAD_DC1_URL=${lbUrl(dc1)}\nexport DYAD_DC2_URL=${lbUrl(dc2)}\n`)
  return t
}

export async function status(state: string) {
  const t = readTopology(state)
  const get = async (url: string) => {
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) })
      return `${r.status}`
    } catch {
      return 'down'
    }
  }
  const rows: string[] = []
  for (const s of t.sites) {
    rows.push(`${s.name}: etcd ${await get(`http://${s.ip}:${s.etcd}/health`)}`)
    if (s.rest) rows.push(`${s.name}: postgres primary? ${await get(`http://${s.ip}:${s.rest}/primary`)}, sync standby? ${await get(`http://${s.ip}:${s.rest}/sync`)}`)
    for (const p of s.dyad) rows.push(`${s.name}: dyad :${p} ready ${await get(`http://${s.ip}:${p}/health/ready`)}`)
    if (s.lbHttp) rows.push(`${s.name}: load balancer ${lbUrl(s)} ready ${await get(`${lbUrl(s)}/health/ready`)}`)
  }
  return rows.join('\n')
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { rtt: { type: 'string', default: '10' }, instances: { type: 'string', default: '1' }, state: { type: 'string', default: join(ROOT, '.dyad-local') } },
  })
  const state = resolve(values.state!)
  const cmd = positionals[0]
  if (cmd === 'up') {
    const rttMs = Number(values.rtt)
    const instances = Number(values.instances)
    if (!(rttMs >= 0 && rttMs <= 1000) || !(Number.isInteger(instances) && instances >= 1 && instances <= 8)) {
      console.error('--rtt must be 0..1000 ms and --instances 1..8')
      process.exit(2)
    }
    const t0 = Date.now()
    const t = await up({ state, rttMs, instances }).catch(() => process.exit(1))
    console.log(`topology up in ${((Date.now() - t0) / 1000).toFixed(1)} s (state: ${state})`)
    console.log(`  dc1: ${lbUrl(t.sites[0])}   dc2: ${lbUrl(t.sites[1])}   (from this machine's root namespace)`)
    console.log(`  source ${join(state, 'env')}   # DYAD_ADMIN_KEY, DYAD_DC1_URL, DYAD_DC2_URL`)
    console.log(await status(state))
  } else if (cmd === 'down') {
    down(state)
    console.log('topology down: processes killed, namespaces and bridge removed, state deleted')
  } else if (cmd === 'status') {
    console.log(await status(state))
  } else {
    console.error('usage: topology.ts up [--rtt MS] [--instances N] | down | status   [--state DIR]')
    process.exit(2)
  }
}
