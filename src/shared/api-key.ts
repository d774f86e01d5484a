/**
 * API key format: `dyad_<id>_<secret>`. The id is public (a lookup handle, shown in listings);
 * the secret is 32 random bytes in base64url, shown once and stored only as its SHA-256. A fast
 * hash is right here: the secret has 256 bits of entropy, so there is nothing to brute-force, and a
 * slow KDF would only cost latency on every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const KEY_RE = /^dyad_([a-z0-9]{8,64})_([A-Za-z0-9_-]{16,128})$/

export interface ParsedApiKey {
  id: string
  secret: string
}

export function parseApiKey(text: string): ParsedApiKey | undefined {
  const m = KEY_RE.exec(text)
  return m ? { id: m[1], secret: m[2] } : undefined
}

export function generateApiKey(): { id: string; secret: string; token: string } {
  const id = randomBytes(8).toString('hex')
  const secret = randomBytes(32).toString('base64url')
  return { id, secret, token: `dyad_${id}_${secret}` }
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

/** Stored hashes as bytes, by their hex text: every request with a known key compares against one. */
const storedBytes = new Map<string, Buffer>()
const MAX_STORED_BYTES = 10_000

export function secretMatches(secret: string, storedHash: string): boolean {
  let b = storedBytes.get(storedHash)
  if (!b) {
    if (storedBytes.size >= MAX_STORED_BYTES) storedBytes.clear()
    storedBytes.set(storedHash, (b = Buffer.from(storedHash, 'hex')))
  }
  const a = createHash('sha256').update(secret).digest()
  return a.length === b.length && timingSafeEqual(a, b)
}
