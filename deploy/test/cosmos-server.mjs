// Runs the Cosmos DB emulator from @vercel/cosmosdb-server over HTTPS on 127.0.0.1 and an
// OS-assigned port: `node cosmos-server.mjs <port-file>`.
//
// Port 0 avoids any race for a free port; the chosen port is written to <port-file> (atomically,
// via rename) once the server listens, which is what servers.sh waits for. The package ships a
// self-signed certificate, so clients must skip verification (tests only). The emulator keeps
// everything in memory and accepts any account key.
import { renameSync, writeFileSync } from 'node:fs'
import cosmos from '@vercel/cosmosdb-server'

const portFile = process.argv[2]
if (!portFile) {
  console.error('usage: node cosmos-server.mjs <port-file>')
  process.exit(2)
}

// keepAlive: the emulator otherwise answers `connection: close`, costing a TLS handshake per request.
const server = cosmos.createHttpsServer({ keepAlive: true })
server.on('error', (err) => {
  console.error(`cosmos emulator: ${err.message}`)
  process.exit(1)
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  writeFileSync(`${portFile}.tmp`, `${port}\n`)
  renameSync(`${portFile}.tmp`, portFile)
  console.log(`cosmos emulator listening on https://127.0.0.1:${port}`)
})

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close()
    server.closeAllConnections?.()
    process.exit(0)
  })
}
