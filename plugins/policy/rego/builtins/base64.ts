/** Go-compatible base64 decoding: same accepted inputs and "illegal base64 data at input byte N" offsets. */

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

export class Base64Error extends Error {
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`)
  }
}

/** Decodes like Go's base64.{Std,URL,RawStd,RawURL}Encoding.DecodeString; throws Base64Error. */
export function goBase64Decode(input: string, opts: { url: boolean; padded: boolean }): Buffer {
  const alphabet = opts.url ? URL : STD
  const src = input
  const out: number[] = []
  let si = 0
  for (;;) {
    const q: number[] = []
    let j = 0
    while (j < 4) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out)
        if (j === 1 || opts.padded) throw new Base64Error(si - j)
        break
      }
      const ch = src[si]
      si++
      if (ch === '\n' || ch === '\r') continue
      if (ch === '=' && opts.padded) {
        if (j === 0 || j === 1) throw new Base64Error(si - 1)
        if (j === 2) {
          while (si < src.length && (src[si] === '\n' || src[si] === '\r')) si++
          if (si === src.length) throw new Base64Error(src.length)
          if (src[si] !== '=') throw new Base64Error(si - 1)
          si++
        }
        while (si < src.length && (src[si] === '\n' || src[si] === '\r')) si++
        if (si < src.length) throw new Base64Error(si)
        break
      }
      const d = alphabet.indexOf(ch)
      if (d < 0 || ch === '') throw new Base64Error(si - 1)
      q.push(d)
      j++
    }
    const n = q.length
    const bits = (q[0] << 18) | ((q[1] ?? 0) << 12) | ((q[2] ?? 0) << 6) | (q[3] ?? 0)
    if (n >= 2) out.push((bits >> 16) & 0xff)
    if (n >= 3) out.push((bits >> 8) & 0xff)
    if (n >= 4) out.push(bits & 0xff)
    if (n < 4) return Buffer.from(out)
  }
}

export function base64Encode(b: Uint8Array, opts: { url: boolean; padded: boolean }): string {
  let s = Buffer.from(b).toString(opts.url ? 'base64url' : 'base64')
  if (opts.url && opts.padded) while (s.length % 4 !== 0) s += '='
  if (!opts.padded) s = s.replace(/=+$/, '')
  return s
}
