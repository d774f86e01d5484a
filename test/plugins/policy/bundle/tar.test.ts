import t from 'tap'
import { extract, pack, type Header } from 'tar-stream'
import { readTar, writeTar, type TarWriteEntry } from '../../../../plugins/policy/bundle/tar.ts'
import { bundleErrorOf } from './helpers.ts'

const file = (name: string, content = `content of ${name}`): TarWriteEntry => ({ name, data: Buffer.from(content) })
const END = Buffer.alloc(1024)

/** A hand-built archive, for entry types and layouts our writer never produces. */
function archive(entries: Array<[Partial<Header> & Pick<Header, 'name'>, string?]>): Promise<Buffer> {
  const p = pack()
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve) => p.on('data', (c) => chunks.push(c as Buffer)).on('end', () => resolve(Buffer.concat(chunks))))
  for (const [header, content] of entries) {
    if (content === undefined) p.entry({ mtime: new Date(0), ...header })
    else p.entry({ mtime: new Date(0), ...header }, content)
  }
  p.finalize()
  return done
}

/** The raw headers of an archive, read by tar-stream itself rather than by the code under test. */
async function headers(buf: Buffer): Promise<Header[]> {
  const found: Header[] = []
  const x = extract()
  x.on('entry', (h, stream, next) => {
    found.push(h)
    stream.resume()
    stream.on('end', next)
  })
  await new Promise<void>((resolve, reject) => x.on('finish', () => resolve()).on('error', reject).end(buf))
  return found
}

t.test('names of every length survive a round trip', async (t) => {
  const names = [
    'a.rego',
    '/.manifest',
    'n'.repeat(100), // exactly fills the name field
    `/${'p'.repeat(120)}/${'n'.repeat(90)}`, // too long for the name field: PAX, keeping the leading '/'
    `/${'q'.repeat(300)}.rego`,
    '/dir/politique-é-ü.rego', // non-ASCII
  ]
  const read = await readTar(await writeTar(names.map((n) => file(n))))
  t.same(read.map((e) => e.name), names)
  t.same(read.map((e) => e.data.toString()), names.map((n) => `content of ${n}`))
  t.ok(read.every((e) => e.type === 'file'))
})

t.test('contents at block boundaries survive a round trip', async (t) => {
  const sizes = [0, 1, 511, 512, 513, 4096]
  const read = await readTar(await writeTar(sizes.map((n) => ({ name: `f${n}`, data: Buffer.alloc(n, n % 251) }))))
  t.same(read.map((e) => e.data.length), sizes)
  t.ok(read.every((e, i) => e.data.equals(Buffer.alloc(sizes[i], sizes[i] % 251))))
})

t.test('output is deterministic and carries no machine-specific fields', async (t) => {
  const entries = [file('/a.rego'), file(`/${'x'.repeat(200)}`)]
  const a = await writeTar(entries)
  t.ok(a.equals(await writeTar(entries.map((e) => ({ ...e, data: Buffer.from(e.data) })))), 'same input, same bytes')
  for (const h of await headers(a)) {
    t.match(h, { mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' }, h.name)
    t.equal(h.mtime.getTime(), 0, 'mtime defaults to the epoch')
  }
  const [dated] = await headers(await writeTar([{ ...file('a'), mtime: new Date(1_700_000_000_900) }]))
  t.equal(dated.mtime.getTime(), 1_700_000_000_000, 'given mtime is kept, in whole seconds')
  t.equal(a.length % 512, 0)
  t.ok(a.subarray(a.length - 1024).equals(END), 'ends with two zero blocks')
})

// PAX and GNU long-name headers, as GNU tar writes them, are read in gnu-tar.test.ts.
t.test('directories are read, without their trailing slash', async (t) => {
  const tar = await archive([
    [{ name: 'dir/', type: 'directory' }],
    [{ name: 'dir/policy.rego', type: 'file' }, 'hi'],
  ])
  t.same((await readTar(tar)).map(({ name, type, data }) => ({ name, type, data: data.toString() })), [
    { name: 'dir', type: 'dir', data: '' },
    { name: 'dir/policy.rego', type: 'file', data: 'hi' },
  ])
})

t.test('a missing end-of-archive marker is tolerated, like Go', async (t) => {
  const whole = await writeTar([file('a')])
  t.equal((await readTar(whole.subarray(0, whole.length - 1024))).length, 1)
})

t.test('corrupt archives are BUNDLE_INVALID_TAR', async (t) => {
  const good = await writeTar([file('a.rego', 'x'.repeat(2000))])
  const flipped = Buffer.from(good)
  flipped[3] ^= 0x01
  t.match(await bundleErrorOf(() => readTar(flipped)), { code: 'BUNDLE_INVALID_TAR', message: /Invalid tar header/ })
  t.match(await bundleErrorOf(() => readTar(good.subarray(0, 1000))), { code: 'BUNDLE_INVALID_TAR', message: /Unexpected end/ })
  t.match(await bundleErrorOf(() => readTar(good.subarray(0, 300))), { code: 'BUNDLE_INVALID_TAR', message: /Unexpected end/ })
  const badSize = Buffer.from(good)
  badSize.write('12x', 124, 'latin1')
  t.match(await bundleErrorOf(() => readTar(badSize)), { code: 'BUNDLE_INVALID_TAR' })
})

t.test('links and special files are BUNDLE_UNSUPPORTED', async (t) => {
  for (const type of ['symlink', 'link', 'fifo', 'character-device'] as const) {
    const tar = await archive([[{ name: 'evil', type, linkname: type.endsWith('link') ? '/etc/passwd' : undefined }]])
    t.match(await bundleErrorOf(() => readTar(tar)), { code: 'BUNDLE_UNSUPPORTED', message: new RegExp(`'evil' is a ${type}`) })
  }
})

t.test('entry count and content size are bounded', async (t) => {
  const many = await writeTar(Array.from({ length: 6 }, (_, i) => file(`f${i}`)))
  t.equal((await readTar(many, { maxEntries: 6 })).length, 6)
  t.match(await bundleErrorOf(() => readTar(many, { maxEntries: 5 })), { code: 'BUNDLE_TOO_LARGE', message: /more than 5 entries/ })
  const big = await writeTar([{ name: 'big', data: Buffer.alloc(10_000) }])
  t.equal((await readTar(big, { maxBytes: 10_000 })).length, 1)
  t.match(await bundleErrorOf(() => readTar(big, { maxBytes: 9_999 })), { code: 'BUNDLE_TOO_LARGE' })
})

t.test('the writer refuses names it cannot store', async (t) => {
  t.match(await bundleErrorOf(() => writeTar([file('')])), { code: 'BUNDLE_INVALID_PATH' })
  t.match(await bundleErrorOf(() => writeTar([file('a\0b')])), { code: 'BUNDLE_INVALID_PATH' })
})
