/**
 * llm-proxy: what the LLM gateway adds to a call. A local provider (its own process) answers in
 * OpenAI's wire format; the same requests go to it directly and through Dyad (embedded, its own
 * process, the alias resolving to that provider), one at a time, alternating, so both see the same
 * machine state. Reported: added latency p50/p99 of whole answers, added time to first byte of
 * streamed answers, stream relay rate in chunks per second, and requests per second with token
 * and request quotas on vs off (same process, rounds alternating).
 */
import { fork } from 'node:child_process'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createProjectKey, PROJECT, startCmsChild } from './cms-child.ts'
import { load, send, type Target } from './http-client.ts'
import { scale, type Scenario } from './scenario.ts'
import { fmtNs, fmtRate, percentile } from './stats.ts'

const UPSTREAM = fileURLToPath(new URL('./llm-upstream-child.ts', import.meta.url))

interface Timing {
  totalNs: number
  ttfbNs: number
  chunks: number
}

/** One request; time to the first body byte, to the end, and the number of SSE events received. */
function timed(agent: Agent, port: number, path: string, headers: Record<string, string>, body: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    let ttfb = 0n
    let chunks = 0
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.on('data', (c: Buffer) => {
        if (!ttfb) ttfb = process.hrtime.bigint()
        for (let i = c.indexOf('data: '); i >= 0; i = c.indexOf('data: ', i + 6)) chunks++
      })
      res.on('end', () => (res.statusCode === 200 ? resolve({ totalNs: Number(process.hrtime.bigint() - t0), ttfbNs: Number(ttfb - t0), chunks }) : reject(new Error(`status ${res.statusCode}`))))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

function startUpstream(): Promise<{ openaiUrl: string; port: number; stop(): Promise<void> }> {
  const child = fork(UPSTREAM, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`upstream exited ${code}`)))
    child.once('message', (m) => {
      const { openaiUrl } = m as { openaiUrl: string }
      resolve({ openaiUrl, port: Number(new URL(openaiUrl).port), stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.send('stop'))) })
    })
  })
}

const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q)

export const llmProxy: Scenario = {
  name: 'llm-proxy',
  description: 'LLM gateway overhead vs calling the local provider directly: added p50/p99, streamed TTFB, chunks/s relayed; quotas on vs off',
  async run(opts) {
    const up = await startUpstream()
    const child = await startCmsChild({})
    try {
      const { dyadPort, adminKey } = child.ready
      const key = await createProjectKey(dyadPort, adminKey)
      const admin = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }
      const config = (budgets: object) => JSON.stringify({ providers: { up: { type: 'openai', baseUrl: up.openaiUrl, keyRequired: false } }, models: { bench: { targets: [{ provider: 'up', model: 'gpt-4o-mini' }] } }, budgets })
      const put = async (body: string) => {
        const r = await send({ name: 'config', port: dyadPort, method: 'PUT', path: `/v1/projects/${PROJECT}/llm/config`, headers: admin, body })
        if (r.status !== 200) throw new Error(`llm config: ${r.status} ${r.body}`)
      }
      await put(config({}))
      const auth = { authorization: `Bearer ${key}` }
      const chat = (stream: boolean, words: number) => JSON.stringify({ model: 'bench', max_tokens: 64, stream, messages: [{ role: 'user', content: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }] })
      const directBody = (b: string) => b.replace('"model":"bench"', '"model":"gpt-4o-mini"')
      const agentD = new Agent({ keepAlive: true, maxSockets: 1 })
      const agentU = new Agent({ keepAlive: true, maxSockets: 1 })

      // Sequential, alternating: whole answers, then streamed ones.
      const n = scale(opts, { count: 2000, maxMs: 20_000 }, { count: 200, maxMs: 4000 })
      const series = { direct: [] as Timing[], dyad: [] as Timing[], directStream: [] as Timing[], dyadStream: [] as Timing[], offline: [] as Timing[], offlineStream: [] as Timing[] }
      for (const [stream, d, u] of [[false, series.dyad, series.direct], [true, series.dyadStream, series.directStream]] as const) {
        const body = chat(stream, 20)
        for (let i = 0; i < 50; i++) {
          await timed(agentD, dyadPort, '/llm/v1/chat/completions', auth, body)
          await timed(agentU, up.port, '/v1/chat/completions', {}, directBody(body))
        }
        const t0 = Date.now()
        for (let i = 0; i < n.count && Date.now() - t0 < n.maxMs; i++) {
          d.push(await timed(agentD, dyadPort, '/llm/v1/chat/completions', auth, body))
          u.push(await timed(agentU, up.port, '/v1/chat/completions', {}, directBody(body)))
          ;(stream ? series.offlineStream : series.offline).push(await timed(agentD, dyadPort, '/llm/v1/chat/completions', auth, body.replace('"model":"bench"', '"model":"default-chat"')))
        }
      }
      // Relay rate: one long streamed answer (about 4,000 events) at a time.
      const long = chat(true, 4000)
      const relay = { direct: [] as number[], dyad: [] as number[] }
      const reps = opts.quick ? 3 : 10
      for (let i = 0; i < reps; i++) {
        const a = await timed(agentD, dyadPort, '/llm/v1/chat/completions', auth, long)
        const b = await timed(agentU, up.port, '/v1/chat/completions', {}, directBody(long))
        relay.dyad.push(a.chunks / (a.totalNs / 1e9))
        relay.direct.push(b.chunks / (b.totalNs / 1e9))
      }
      agentD.destroy()
      agentU.destroy()

      // Quotas on vs off: requests per second at concurrency 10, rounds alternating.
      const target: Target = { name: 'chat', port: dyadPort, method: 'POST', path: '/llm/v1/chat/completions', headers: { ...auth, 'content-type': 'application/json' }, body: chat(false, 20) }
      const round = scale(opts, { count: 20_000, maxMs: 5000 }, { count: 2000, maxMs: 1000 })
      const rps = { off: [] as number[], on: [] as number[] }
      for (let r = 0; r < (opts.quick ? 2 : 4); r++) {
        for (const mode of ['off', 'on'] as const) {
          await put(config(mode === 'on' ? { tokensPerMonth: 1e14, requestsPerDay: 1e12, keyTokensPerMonth: 1e14, keyRequestsPerDay: 1e12 } : {}))
          await load(target, { concurrency: 10, bound: { count: 200, maxMs: 500 }, expectStatus: 200 })
          rps[mode].push((await load(target, { concurrency: 10, bound: round, expectStatus: 200 })).rps)
        }
      }

      const col = (xs: Timing[], f: (t: Timing) => number) => xs.map(f)
      const total = (xs: Timing[]) => col(xs, (t) => t.totalNs)
      const ttfb = (xs: Timing[]) => col(xs, (t) => t.ttfbNs)
      const added = (a: number[], b: number[], q: number) => p(a, q) - p(b, q)
      const med = (xs: number[]) => p(xs, 50)
      const rows = [
        { call: 'whole answer', direct: `${fmtNs(p(total(series.direct), 50))} / ${fmtNs(p(total(series.direct), 99))}`, dyad: `${fmtNs(p(total(series.dyad), 50))} / ${fmtNs(p(total(series.dyad), 99))}`, added: `${fmtNs(added(total(series.dyad), total(series.direct), 50))} / ${fmtNs(added(total(series.dyad), total(series.direct), 99))}` },
        { call: 'whole answer, offline model (no upstream)', direct: '', dyad: `${fmtNs(p(total(series.offline), 50))} / ${fmtNs(p(total(series.offline), 99))}`, added: '' },
        { call: 'streamed, first byte', direct: `${fmtNs(p(ttfb(series.directStream), 50))} / ${fmtNs(p(ttfb(series.directStream), 99))}`, dyad: `${fmtNs(p(ttfb(series.dyadStream), 50))} / ${fmtNs(p(ttfb(series.dyadStream), 99))}`, added: `${fmtNs(added(ttfb(series.dyadStream), ttfb(series.directStream), 50))} / ${fmtNs(added(ttfb(series.dyadStream), ttfb(series.directStream), 99))}` },
        { call: 'streamed, first byte, offline model', direct: '', dyad: `${fmtNs(p(ttfb(series.offlineStream), 50))} / ${fmtNs(p(ttfb(series.offlineStream), 99))}`, added: '' },
        { call: 'streamed, whole', direct: `${fmtNs(p(total(series.directStream), 50))} / ${fmtNs(p(total(series.directStream), 99))}`, dyad: `${fmtNs(p(total(series.dyadStream), 50))} / ${fmtNs(p(total(series.dyadStream), 99))}`, added: `${fmtNs(added(total(series.dyadStream), total(series.directStream), 50))} / ${fmtNs(added(total(series.dyadStream), total(series.directStream), 99))}` },
      ]
      const relayRatio = med(relay.dyad) / med(relay.direct)
      const quotaRatio = med(rps.on) / med(rps.off)
      return {
        tables: [
          { title: `LLM proxy, one call at a time (${series.dyad.length} whole, ${series.dyadStream.length} streamed, alternating with direct calls); p50 / p99`, columns: ['call', 'direct', 'dyad', 'added'], rows },
          {
            title: 'Stream relay and quotas',
            columns: ['measure', 'direct / off', 'dyad / on', 'ratio'],
            rows: [
              { measure: 'chunks relayed per second (4,000-event stream)', 'direct / off': fmtRate(med(relay.direct)), 'dyad / on': fmtRate(med(relay.dyad)), ratio: `${(relayRatio * 100).toFixed(0)}%` },
              { measure: 'chat rps at concurrency 10, quotas off vs on', 'direct / off': fmtRate(med(rps.off)), 'dyad / on': fmtRate(med(rps.on)), ratio: `${(quotaRatio * 100).toFixed(0)}%` },
            ],
          },
        ],
        summary: [
          `llm-proxy: added p50 ${fmtNs(added(total(series.dyad), total(series.direct), 50))}, streamed TTFB +${fmtNs(added(ttfb(series.dyadStream), ttfb(series.directStream), 50))}; relay ${(relayRatio * 100).toFixed(0)}% of direct; quotas on ${(quotaRatio * 100).toFixed(0)}% of off`,
        ],
        notes: [
          'added = Dyad p50 (p99) minus direct p50 (p99) over the same alternating sequence; it covers authentication, authorization, alias and config lookup, prompt token count, the SDK call upstream, translation and rendering, and the usage record.',
          'quotas on: token and request budgets per project and per key, all four, large enough never to refuse; off: none.',
        ],
        data: { series: Object.fromEntries(Object.entries(series).map(([k, v]) => [k, { totalP50: p(total(v), 50), totalP99: p(total(v), 99), ttfbP50: p(ttfb(v), 50) }])), relay, rps },
      }
    } finally {
      await child.stop()
      await up.stop()
    }
  },
}
