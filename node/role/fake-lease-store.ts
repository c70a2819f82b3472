/**
 * The role lease in memory, for fast tables of the role manager (test/unit/role-manager.test.ts):
 * the same conditional operations as LeaseStore on one shared row per name, and a way to stall
 * every call, as Galera stalls every write until a dead member is evicted.
 */
import type { RoleLeaseStore } from './lease-store.js';
import type { Lease, LeaseOp } from './role-machine.js';

export class FakeLeaseTable {
  private readonly rows = new Map<string, Lease>();
  private stalledUntil: Promise<void> | undefined;
  private release: (() => void) | undefined;
  /** Calls of these nodes never return (their database member hangs). */
  readonly hung = new Set<string>();

  store(name: string, nodeId: string, ttlMs: number): RoleLeaseStore {
    return { name, apply: (op, nowMs) => this.apply(name, nodeId, ttlMs, op, nowMs) };
  }

  row(name: string): Lease | null {
    return this.rows.get(name) ?? null;
  }

  /** Every call waits until `unstall()` (then runs, at the time it was issued). */
  stall(): void {
    if (this.stalledUntil) return;
    this.stalledUntil = new Promise((r) => {
      this.release = r;
    });
  }

  unstall(): void {
    this.release?.();
    this.stalledUntil = undefined;
  }

  private async apply(
    name: string,
    nodeId: string,
    ttlMs: number,
    op: LeaseOp,
    nowMs: number,
  ): Promise<Lease | null> {
    if (this.hung.has(nodeId)) await new Promise(() => undefined);
    if (this.stalledUntil) await this.stalledUntil;
    const row = this.rows.get(name) ?? null;
    const expires = nowMs + ttlMs;
    const set = (l: Lease) => {
      this.rows.set(name, l);
      return l;
    };
    switch (op.kind) {
      case 'none':
        return row;
      case 'renew':
        return row && row.owner === nodeId ? set({ ...row, expiresAtMs: expires }) : row;
      case 'hand-over':
        return row && row.owner === nodeId
          ? set({ owner: op.to, expiresAtMs: expires, epoch: row.epoch + 1 })
          : row;
      case 'release':
        return row && row.owner === nodeId ? set({ ...row, expiresAtMs: 0 }) : row;
      case 'acquire':
        if (!row) return set({ owner: nodeId, expiresAtMs: expires, epoch: 1 });
        if (row.owner !== nodeId && row.expiresAtMs > nowMs) return row;
        return set({
          owner: nodeId,
          expiresAtMs: expires,
          epoch: row.owner === nodeId ? row.epoch : row.epoch + 1,
        });
    }
  }
}
