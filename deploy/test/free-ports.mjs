// Prints N free TCP ports on 127.0.0.1, one per line: `node free-ports.mjs 2`.
//
// All N sockets are held open at the same time so the ports are distinct, then released for the
// servers to take. Another process could grab a port in between; servers.sh retries a start whose
// server fails to come up, which makes that race harmless.
import net from 'node:net'

const count = Number(process.argv[2] ?? 1)
if (!Number.isInteger(count) || count < 1) {
  console.error('usage: node free-ports.mjs <count>')
  process.exit(2)
}

function listen() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(server))
  })
}

const servers = []
for (let i = 0; i < count; i++) servers.push(await listen())
const ports = servers.map((s) => s.address().port)
await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
console.log(ports.join('\n'))
