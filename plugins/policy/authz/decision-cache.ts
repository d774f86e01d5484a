/**
 * A bounded map from an input key to a decision, owned by one compiled policy: when the policy is
 * replaced, its cache goes with it, so no entry can outlive the policy revision that produced it.
 * Eviction is first-in first-out: a hit does not reorder (that would cost a delete and a set on
 * every request); a full cache drops its oldest entry. With the few thousand distinct
 * (principal, role, action, resource) combinations a process sees, FIFO and LRU behave alike.
 */
import type { Decision } from '../../../src/contracts/authorization.ts'

export interface DecisionCacheStats {
  hits: number
  misses: number
  size: number
}

export class DecisionCache {
  private readonly entries = new Map<string, Decision>()
  hits = 0
  misses = 0

  constructor(readonly maxEntries: number) {}

  get(key: string): Decision | undefined {
    const d = this.entries.get(key)
    if (d === undefined) this.misses++
    else this.hits++
    return d
  }

  set(key: string, d: Decision): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    this.entries.set(key, d)
  }

  get size(): number {
    return this.entries.size
  }
}
