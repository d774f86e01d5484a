/**
 * Process entry: load configuration, build the app, listen, and shut down gracefully on
 * SIGTERM/SIGINT (stop accepting, drain in-flight requests, close the stores). A second signal, or
 * the grace period running out, exits at once: the stores are designed to survive that (PGlite
 * recovers its WAL; etcd and Postgres are external).
 */
import { ConfigError, loadConfig } from './config/load.ts'
import { buildApp } from './app.ts'

async function main() {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(2)
    }
    throw err
  }

  const { app, bootstrapKey } = await buildApp({ config })
  const address = await app.listen({ host: config.host, port: config.port })
  const banner = [`Dyad (${config.dc}) listening on ${address}`, `  API docs:  ${address}/docs`, `  Data dir:  ${config.dataDir}`]
  if (bootstrapKey) {
    banner.push(
      '',
      '  First start: created platform admin "admin". Its API key is shown ONCE; store it now:',
      `  DYAD_ADMIN_KEY=${bootstrapKey}`,
      `  curl -H "Authorization: Bearer $DYAD_ADMIN_KEY" ${address}/v1/whoami`,
    )
  }
  process.stdout.write(banner.join('\n') + '\n')

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) process.exit(1)
    stopping = true
    app.log.info({ signal }, 'shutting down: draining in-flight requests')
    const force = setTimeout(() => {
      app.log.error('shutdown grace period expired; exiting')
      process.exit(1)
    }, config.shutdownGraceMs)
    force.unref()
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'error during shutdown')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((err) => {
  process.stderr.write(`Dyad failed to start: ${err?.stack ?? err}\n`)
  process.exit(1)
})
