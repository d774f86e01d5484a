import t from 'tap'
import { readTar, writeTar, type TarWriteEntry } from '../../../../plugins/policy/bundle/tar.ts'
import { FIELD, encodeHeader, paxRecord, readNumber } from '../../../../plugins/policy/bundle/tar-header.ts'
import { bundleErrorOf } from './helpers.ts'

const file = (name: string, content = `content of ${name}`): TarWriteEntry => ({ name, data: Buffer.from(content) })
const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)])
/** A raw header for hand-built archives that exercise reader paths our writer never produces. */
const header = (name: string, typeflag: string, size: number) => encodeHeader({ name, prefix: '', size, mtime: 0, typeflag })
const END = Buffer.alloc(1024)

t.test('names of every length survive a round trip', async (t) => {
  const names = [
    'a.rego',
    '/.manifest',
    'n'.repeat(100), // exactly fills the name field
    `/${'p'.repeat(120)}/${'n'.repeat(90)}`, // fits only with the prefix field
    `/${'q'.repeat(300)}.rego`, // fits nowhere: PAX path record
    '/dir/politique-é-ü.rego', // non-ASCII: PAX, since USTAR fields are ASCII
  ]
  const entries = names.map((n) => file(n))
  const read = readTar(writeTar(entries))
  t.same(read.map((e) => e.name), names)
  t.same(read.map((e) => e.data.toString()), names.map((n) => `content of ${n}`))
  t.ok(read.every((e) => e.type === 'file'))
})

t.test('contents at block boundaries survive a round trip', async (t) => {
  const sizes = [0, 1, 511, 512, 513, 4096]
  const read = readTar(writeTar(sizes.map((n) => ({ name: `f${n}`, data: Buffer.alloc(n, n % 251) }))))
  t.same(read.map((e) => e.data.length), sizes)
  t.ok(read.every((e, i) => e.data.equals(Buffer.alloc(sizes[i], sizes[i] % 251))))
})

t.test('output is deterministic and carries no machine-specific fields', async (t) => {
  const entries = [file('/a.rego'), file(`/${'x'.repeat(200)}`)]
  const a = writeTar(entries)
  t.ok(a.equals(writeTar(entries.map((e) => ({ ...e, data: Buffer.from(e.data) })))), 'same input, same bytes')
  const h = a.subarray(0, 512)
  t.equal(readNumber(h, FIELD.mode), 0o644)
  t.equal(readNumber(h, FIELD.uid), 0)
  t.equal(readNumber(h, FIELD.gid), 0)
  t.equal(readNumber(h, FIELD.mtime), 0, 'mtime defaults to the epoch')
  const dated = writeTar([{ ...file('a'), mtime: new Date(1_700_000_000_900) }])
  t.equal(readNumber(dated, FIELD.mtime), 1_700_000_000, 'given mtime is kept, in whole seconds')
  t.equal(a.length % 512, 0)
  t.ok(a.subarray(a.length - 1024).equals(END), 'ends with two zero blocks')
})

t.test('directories, GNU long names and PAX global headers are read', async (t) => {
  const longName = `${'g'.repeat(150)}/policy.rego`
  const longData = Buffer.from(`${longName}\0`)
  const global = paxRecord('comment', 'built by a test')
  const archive = Buffer.concat([
    header('pax_global_header', 'g', global.length), pad(global),
    header('dir/', '5', 0),
    header('././@LongLink', 'L', longData.length), pad(longData),
    header('truncated-name', '0', 2), pad(Buffer.from('hi')),
    END,
  ])
  t.same(readTar(archive).map(({ name, type, data }) => ({ name, type, data: data.toString() })), [
    { name: 'dir', type: 'dir', data: '' },
    { name: longName, type: 'file', data: 'hi' },
  ])
})

t.test('a PAX size record overrides the header size', async (t) => {
  const rec = paxRecord('size', '3')
  const archive = Buffer.concat([header('x', 'x', rec.length), pad(rec), header('f', '0', 0), pad(Buffer.from('abc')), END])
  t.equal(readTar(archive)[0].data.toString(), 'abc')
})

t.test('a missing end-of-archive marker is tolerated, like Go', async (t) => {
  const whole = writeTar([file('a')])
  t.equal(readTar(whole.subarray(0, whole.length - 1024)).length, 1)
})

t.test('corrupt archives are BUNDLE_INVALID_TAR', async (t) => {
  const good = writeTar([file('a.rego', 'x'.repeat(2000))])
  const flipped = Buffer.from(good)
  flipped[3] ^= 0x01
  t.match(bundleErrorOf(() => readTar(flipped)), { code: 'BUNDLE_INVALID_TAR', message: /checksum/ })
  t.match(bundleErrorOf(() => readTar(good.subarray(0, 1000))), { code: 'BUNDLE_INVALID_TAR', message: /ends first/ })
  t.match(bundleErrorOf(() => readTar(good.subarray(0, 300))), { code: 'BUNDLE_INVALID_TAR', message: /inside a header/ })
  const badRecord = Buffer.from('99 path=x\n')
  t.match(bundleErrorOf(() => readTar(Buffer.concat([header('x', 'x', badRecord.length), pad(badRecord), END]))), { code: 'BUNDLE_INVALID_TAR', message: /malformed record/ })
  const rec = paxRecord('path', 'a')
  t.match(bundleErrorOf(() => readTar(Buffer.concat([header('x', 'x', rec.length), pad(rec), END]))), { code: 'BUNDLE_INVALID_TAR', message: /before the entry/ })
  const badSize = header('a', '0', 0)
  badSize.write('12x', FIELD.size[0], 'latin1')
  t.match(bundleErrorOf(() => readTar(badSize)), { code: 'BUNDLE_INVALID_TAR' })
  t.match(bundleErrorOf(() => readTar(Buffer.concat([Buffer.alloc(512), good]))), { code: 'BUNDLE_INVALID_TAR', message: /zero block/ })
})

t.test('links and special files are BUNDLE_UNSUPPORTED', async (t) => {
  t.match(bundleErrorOf(() => readTar(Buffer.concat([header('evil', '2', 0), END]))), { code: 'BUNDLE_UNSUPPORTED', message: /symbolic link/ })
  t.match(bundleErrorOf(() => readTar(Buffer.concat([header('h', '1', 0), END]))), { code: 'BUNDLE_UNSUPPORTED', message: /hard link/ })
})

t.test('entry count and content size are bounded', async (t) => {
  const many = writeTar(Array.from({ length: 6 }, (_, i) => file(`f${i}`)))
  t.equal(readTar(many, { maxEntries: 6 }).length, 6)
  t.match(bundleErrorOf(() => readTar(many, { maxEntries: 5 })), { code: 'BUNDLE_TOO_LARGE', message: /more than 5 entries/ })
  const big = writeTar([{ name: 'big', data: Buffer.alloc(10_000) }])
  t.match(bundleErrorOf(() => readTar(big, { maxBytes: 9_999 })), { code: 'BUNDLE_TOO_LARGE' })
})

t.test('the writer refuses names it cannot store', async (t) => {
  t.match(bundleErrorOf(() => writeTar([file('')])), { code: 'BUNDLE_INVALID_PATH' })
  t.match(bundleErrorOf(() => writeTar([file('a\0b')])), { code: 'BUNDLE_INVALID_PATH' })
})
