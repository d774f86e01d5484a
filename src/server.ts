/**
 * Process entry: load configuration, build the app, listen, and shut down gracefully on
 * SIGTERM/SIGINT (stop accepting, drain in-flight requests, close the stores). A second signal, or
 * the grace period running out, exits at once: the stores are designed to survive that (PGlite
 * recovers its WAL; etcd and Postgres are external).
 */

// Checked before any other module is loaded (hence the dynamic imports below): on an older Node the
// rest of the tree may fail to load with an error that does not say why. Keep in step with
// `engines` in package.json.
const REQUIRED_NODE_MAJOR = 24
if (Number(process.versions.node.split('.')[0]) < REQUIRED_NODE_MAJOR) {
  process.stderr.write(
    `Dyad needs Node.js ${REQUIRED_NODE_MAJOR} or newer; this is ${process.version} (${process.execPath}). ` +
      'Start it with `npm start`, which runs the Node 24 installed into node_modules by `npm ci`, or install Node 24.\n',
  )
  process.exit(2)
}

/** Refusals to start that are the operator's to fix: one line on stderr and exit code 2, no stack. */
async function startupRefusal(err: unknown): Promise<string | null> {
  const { ConfigError } = await import('./config/load.ts')
  const { DataDirLockedError } = await import('./infra/sql/data-dir-lock.ts')
  return err instanceof ConfigError || err instanceof DataDirLockedError ? err.message : null
}

async function main() {
  const { loadConfig } = await import('./config/load.ts')
  // Validated before the app's module tree loads (seconds): a refused configuration exits at once.
  const config = loadConfig()
  const { buildApp } = await import('./app.ts')
  const { app, bootstrapKey } = await buildApp({ config })
  const address = await app.listen({ host: config.host, port: config.port })
  const banner = [
    `Dyad (${config.dc}) listening on ${address}`,
    `  API docs:  ${address}/docs`,
    `  Data dir:  ${config.dataDir}`,
    `  Runtime:   Node.js ${process.version}`,
  ]
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

main().catch(async (err) => {
  const refusal = await startupRefusal(err).catch(() => null)
  if (refusal) {
    process.stderr.write(`${refusal}\n`)
    process.exit(2)
  }
  process.stderr.write(`Dyad failed to start: ${err?.stack ?? err}\n`)
  process.exit(1)
})
