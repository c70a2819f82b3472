/**
 * The role lease in the replicated database: one row per logical IP. Every change is a transaction
 * on the local Galera member; two nodes racing for the row conflict at certification and only one
 * commits (the other's transaction fails and it reads the winner back).
 */
import type { Database } from '../replication/database.js';
import type { Lease, LeaseOp } from './role-machine.js';

interface Row {
  owner: string;
  expires_at_ms: number;
  epoch: number;
}

const toLease = (r: Row | undefined): Lease | null =>
  r ? { owner: r.owner, expiresAtMs: Number(r.expires_at_ms), epoch: Number(r.epoch) } : null;

/** The role lease as the role manager uses it: one row, conditional changes (LeaseStore, or a fake). */
export interface RoleLeaseStore {
  readonly name: string;
  /** Performs `op` at `nowMs` and returns the row as it is afterwards. */
  apply(op: LeaseOp, nowMs: number): Promise<Lease | null>;
}

export class LeaseStore implements RoleLeaseStore {
  constructor(
    private readonly db: Database,
    readonly name: string,
    private readonly nodeId: string,
    private readonly ttlMs: number,
  ) {}

  async read(): Promise<Lease | null> {
    const rows: Row[] = await this.db.query('SELECT owner, expires_at_ms, epoch FROM lease WHERE name = ?', [
      this.name,
    ]);
    return toLease(rows[0]);
  }

  /** Performs `op` at `nowMs` and returns the row as it is afterwards. */
  async apply(op: LeaseOp, nowMs: number): Promise<Lease | null> {
    const { name, nodeId } = this;
    const expires = nowMs + this.ttlMs;
    switch (op.kind) {
      case 'none':
        return this.read();
      case 'renew':
        await this.db.query('UPDATE lease SET expires_at_ms = ? WHERE name = ? AND owner = ?', [
          expires,
          name,
          nodeId,
        ]);
        return this.read();
      case 'hand-over':
        await this.db.query(
          'UPDATE lease SET owner = ?, expires_at_ms = ?, epoch = epoch + 1 WHERE name = ? AND owner = ?',
          [op.to, expires, name, nodeId],
        );
        return this.read();
      case 'release':
        await this.db.query('UPDATE lease SET expires_at_ms = 0 WHERE name = ? AND owner = ?', [
          name,
          nodeId,
        ]);
        return this.read();
      case 'acquire':
        return this.db.transaction(async (conn) => {
          const rows: Row[] = await conn.query(
            'SELECT owner, expires_at_ms, epoch FROM lease WHERE name = ? FOR UPDATE',
            [name],
          );
          const row = rows[0];
          if (!row) {
            await conn.query('INSERT INTO lease (name, owner, expires_at_ms, epoch) VALUES (?, ?, ?, 1)', [
              name,
              nodeId,
              expires,
            ]);
            return { owner: nodeId, expiresAtMs: expires, epoch: 1 };
          }
          const lease = toLease(row)!;
          if (lease.owner !== nodeId && lease.expiresAtMs > nowMs) return lease; // held by the other node
          const epoch = lease.owner === nodeId ? lease.epoch : lease.epoch + 1;
          await conn.query('UPDATE lease SET owner = ?, expires_at_ms = ?, epoch = ? WHERE name = ?', [
            nodeId,
            expires,
            epoch,
            name,
          ]);
          return { owner: nodeId, expiresAtMs: expires, epoch };
        });
    }
  }
}
