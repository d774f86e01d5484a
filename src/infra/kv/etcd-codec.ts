import { EtcdLeaseInvalidError, isRecoverableError, type ICompare, type IKeyValue, type IRequestOp } from 'etcd3'
import { isBrokenCircuitError } from 'cockatiel'
import { DyadError } from '../../shared/errors.ts'
import type { KvCompare, KvEntry, KvOp } from '../ports/kv.ts'
import { KvErrors } from './errors.ts'
import { bytePrefixEnd } from './prefix.ts'
import { checkLeaseId } from './validate.ts'

/**
 * Translation between the port's model and etcd's wire types: namespaced keys, numeric revisions
 * (etcd3 hands int64s over as strings), compares, ops and errors.
 */
export class EtcdKeySpace {
  private readonly ns: Buffer

  constructor(namespace: string) {
    this.ns = Buffer.from(namespace, 'utf8')
  }

  key(key: string): Buffer {
    return Buffer.concat([this.ns, Buffer.from(key, 'utf8')])
  }

  /** [start, end) covering every key under `prefix`; end `\0` is etcd's "to the end of the keyspace". */
  range(prefix: string): { key: Buffer; range_end: Buffer } {
    const key = this.key(prefix)
    return { key, range_end: bytePrefixEnd(key) ?? Buffer.from([0]) }
  }

  unkey(raw: Buffer): string {
    return raw.subarray(this.ns.length).toString('utf8')
  }

  entry(kv: IKeyValue): KvEntry {
    const entry: KvEntry = {
      key: this.unkey(kv.key),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      version: Number(kv.version),
    }
    if (kv.lease && kv.lease !== '0') entry.lease = kv.lease
    return entry
  }

  op(op: KvOp): IRequestOp {
    switch (op.type) {
      case 'put':
        // Lease 0 detaches: a put without a lease makes the key permanent, as on the SQL store.
        return { request_put: { key: this.key(op.key), value: Buffer.from(op.value, 'utf8'), lease: op.lease === undefined ? 0 : checkLeaseId(op.lease) } }
      case 'delete':
        return { request_delete_range: { key: this.key(op.key) } }
      case 'deletePrefix':
        return { request_delete_range: this.range(op.prefix) }
      case 'get':
        return { request_range: { key: this.key(op.key) } }
    }
  }

  compare(c: KvCompare): ICompare {
    const result = ({ '=': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const)[c.op]
    const key = this.key(c.key)
    switch (c.target) {
      case 'value':
        return { key, result, target: 'Value', value: Buffer.from(c.value, 'utf8') }
      case 'version':
        return { key, result, target: 'Version', version: c.value }
      case 'createRevision':
        return { key, result, target: 'Create', create_revision: c.value }
      case 'modRevision':
        return { key, result, target: 'Mod', mod_revision: c.value }
    }
  }
}

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted')
}

/**
 * Maps etcd3's errors onto KV_ codes. `write` changes the unavailable message: a write that timed
 * out or lost its connection may still have been applied, and the caller has to know that.
 */
export function translateEtcdError(err: unknown, write: boolean): Error {
  if (err instanceof DyadError) return err
  const cause = err instanceof Error ? err.message : String(err)
  if (err instanceof EtcdLeaseInvalidError) return KvErrors.leaseNotFound(undefined, { cause })
  if (isCompactedError(err)) return KvErrors.compacted(undefined, { cause })
  if (err instanceof Error && (isRecoverableError(err) || isBrokenCircuitError(err))) {
    const message = write
      ? 'etcd did not confirm the write; it may or may not have been applied. Re-read before retrying.'
      : 'etcd is unavailable; retry later.'
    return KvErrors.unavailable(message, { cause })
  }
  if (err instanceof Error && /etcdserver: (duplicate key|too many operations|request is too large)/.test(err.message)) {
    return KvErrors.invalidArgument(err.message, { cause })
  }
  return err instanceof Error ? err : new Error(cause)
}
