/**
 * The local secrets file's cryptography: AES-256-GCM per value and the 32-byte key's sources.
 *
 * Each value is sealed with a fresh random 12-byte IV (GCM must never reuse an IV under one key) and
 * its name as additional authenticated data, so a ciphertext moved to another name fails to open
 * instead of decrypting as the wrong secret.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { syncDir, tempNameFor } from '../../shared/atomic-file.ts'
import { SecretsErrors } from './errors.ts'

const KEY_BYTES = 32
const IV_BYTES = 12

export interface Sealed {
  /** base64 of the 12-byte IV, the ciphertext and the 16-byte GCM tag. */
  iv: string
  data: string
  tag: string
}

export function seal(key: Buffer, plaintext: string, name: string): Sealed {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(name, 'utf8'))
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') }
}

/** Throws SECRETS_KEY_MISMATCH when the tag does not verify: never returns unauthenticated bytes. */
export function unseal(key: Buffer, sealed: Sealed, name: string): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'))
    decipher.setAAD(Buffer.from(name, 'utf8'))
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8')
  } catch {
    throw SecretsErrors.keyMismatch(undefined, { path: name })
  }
}

/**
 * A fingerprint stored in the file so a wrong key is reported once, clearly, before any value is
 * touched (and before a write could mix two keys in one file). An HMAC of a constant reveals nothing
 * about the key.
 */
export function keyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('dyad-secrets-key-check-v1').digest('base64url')
}

/** Accepts 64 hex characters or base64/base64url of exactly 32 bytes. */
export function parseKey(text: string): Buffer {
  const t = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const key = Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64')
    if (key.length === KEY_BYTES) return key
  }
  throw SecretsErrors.invalidKey()
}

/**
 * Reads the key file, or, when it is absent and `mayCreate` agrees, creates it with a new random key
 * (mode 0600, directory 0700). Creation writes a temporary file and hard-links it into place: the
 * link fails if another process won the race, and nobody can ever read a half-written key.
 */
export async function loadOrCreateKeyFile(keyFile: string, mayCreate: () => Promise<boolean>): Promise<Buffer> {
  try {
    return parseKey(await readFile(keyFile, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (!(await mayCreate())) throw SecretsErrors.keyMissing(undefined, { keyFile })
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 })
  const tmp = tempNameFor(keyFile)
  const fh = await open(tmp, 'wx', 0o600)
  try {
    await fh.writeFile(`${randomBytes(KEY_BYTES).toString('hex')}\n`)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await link(tmp, keyFile)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  } finally {
    await unlink(tmp)
  }
  await syncDir(dirname(keyFile))
  return parseKey(await readFile(keyFile, 'utf8'))
}
