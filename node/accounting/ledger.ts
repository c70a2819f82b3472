/**
 * The replicated ledger of acknowledged RU blocks (table ledger_block). Storing is idempotent:
 * a block already present with the same RUs is reported as a duplicate and not written again; with
 * other RUs as a conflict (never stored, never silently dropped as a duplicate).
 *
 * Fencing: with a FenceSource (the ingest path of a node in a pair), every batch first bumps the
 * role lease row's `fence` counter under the owner and epoch this node holds. A node that lost the
 * lease finds no such row and the batch fails (FencedError); one that races the new owner's
 * takeover conflicts with it at Galera certification, retries, and then finds no row. So no batch
 * commits outside its writer's tenure, and each row records the epoch it was acked under.
 */

import { type BlockRecord, blockKey, SERIES } from '../../kernel/block.js';
import { type Connection, type Database, DatabaseUnavailableError, ER } from '../replication/database.js';
import type { IpdrPlacement } from './ipdr/placement.js';
import type { Placement } from './ipdr/plan.js';

/**
 * `duplicate`: the key is stored with the same RUs (a resend). `conflict`: the key is stored with
 * other RUs — a reset LAM or a second host reuses the sequence; the block is not stored.
 */
export type StoreOutcome = 'stored' | 'duplicate' | 'conflict';
/** What a LAM is acked with (a conflict is refused instead). */
export type AckOutcome = Exclude<StoreOutcome, 'conflict'>;

/** The tenure a batch must be committed under: the role lease row, its owner and epoch. */
export interface Fence {
  leaseName: string;
  owner: string;
  epoch: number;
}

export interface FenceSource {
  /** The tenure this node acks under now; null when it holds none (the batch is refused). */
  current(): Fence | null;
}

/** The role lease passed on (or was never held): this batch must not commit. */
export class FencedError extends DatabaseUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'FencedError';
  }
}

/** In `conn`'s transaction: bump the lease row's fence if it is still `f`'s; false when not. */
async function bumpFence(conn: Connection, f: Fence): Promise<boolean> {
  const res: { affectedRows: number } = await conn.query(
    'UPDATE lease SET fence = fence + 1 WHERE name = ? AND owner = ? AND epoch = ?',
    [f.leaseName, f.owner, f.epoch],
  );
  return res.affectedRows === 1;
}

/** Does this node hold the role lease, as of `conn`'s transaction (which then conflicts with a takeover)? */
export async function holdsTenure(conn: Connection, source: FenceSource): Promise<boolean> {
  const f = source.current();
  return f !== null && (await bumpFence(conn, f));
}

export interface LedgerOptions {
  /** Recorded in each row as `received_by`. */
  nodeId: string;
  /** Absent: no fencing (journal replay of blocks acknowledged earlier, tests). */
  fence?: FenceSource;
  /** Present (IPDR on): each batch places the blocks it inserts into IPDR files. */
  placement?: IpdrPlacement;
}

export class Ledger {
  private readonly nodeId: string;
  private readonly fence: FenceSource | undefined;
  private readonly placement: IpdrPlacement | undefined;

  constructor(
    private readonly db: Database,
    opts: LedgerOptions,
  ) {
    this.nodeId = opts.nodeId;
    this.fence = opts.fence;
    this.placement = opts.placement;
  }

  /** Stores a batch in one transaction; returns the outcome of each block, in order. */
  async storeBatch(blocks: readonly BlockRecord[]): Promise<StoreOutcome[]> {
    if (blocks.length === 0) return [];
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction((conn) => this.storeIn(conn, blocks));
      } catch (err) {
        // Another writer stored one of these blocks between our check and our insert (only
        // possible while two nodes briefly accept for the same LAM): check again.
        if ((err as { errno?: number }).errno === ER.DUP_ENTRY && attempt < 3) continue;
        throw err;
      }
    }
  }

  private async storeIn(conn: Connection, blocks: readonly BlockRecord[]): Promise<StoreOutcome[]> {
    const tenure = this.fence?.current();
    if (this.fence && !tenure) throw new FencedError('this node holds no role lease');
    const epoch = tenure?.epoch ?? 0;
    // Payload of every key already stored or earlier in this batch: a key that repeats with the
    // same RUs is a resend; with other RUs it is a conflict (a reset LAM or a second host).
    const known = await this.storedPayloads(conn, blocks);
    const outcomes: StoreOutcome[] = [];
    const toInsert: BlockRecord[] = [];
    for (const b of blocks) {
      const key = blockKey(b);
      const payload = known.get(key);
      if (payload === undefined) {
        known.set(key, b.payload);
        toInsert.push(b);
        outcomes.push('stored');
      } else outcomes.push(payload === b.payload ? 'duplicate' : 'conflict');
    }
    if (toInsert.length > 0) {
      // One receive time for the batch, written explicitly: the placement counts the bytes of
      // each record, whose time is this one, so it must be the value the renderer reads back.
      const receivedAtMs = Date.now();
      const placed = await this.place(conn, toInsert, receivedAtMs);
      const rows = toInsert.map(() => '(?,?,?,?,?,FROM_UNIXTIME(? / 1000),?,?,?,?,?,?)').join(',');
      const params = toInsert.flatMap((b) => {
        const p = placed.get(blockKey(b));
        return [
          b.lamId,
          b.blockSeq,
          b.stream,
          b.ruCount,
          b.createdAtMs,
          receivedAtMs,
          this.nodeId,
          epoch,
          b.lamInstance ?? '',
          b.payload,
          p?.fileSeq ?? null,
          p?.recordSeq ?? null,
        ];
      });
      await conn.query(
        `INSERT INTO ledger_block (lam_id, block_seq, stream, ru_count, created_at_ms, received_at, received_by, received_epoch, lam_instance, payload, ipdr_file_seq, ipdr_record_seq) VALUES ${rows}`,
        params,
      );
    }
    // Last, so the lease row is locked only from here to the commit (renewals and planning wait on it).
    await this.checkFence(conn, epoch);
    return outcomes;
  }

  /** With IPDR on: the file and record of each block to insert, keyed by blockKey. */
  private async place(
    conn: Connection,
    blocks: readonly BlockRecord[],
    receivedAtMs: number,
  ): Promise<Map<string, Placement>> {
    const placed = new Map<string, Placement>();
    if (!this.placement) return placed;
    for (const series of SERIES) {
      const ofSeries = blocks.filter((b) => b.stream === series);
      if (ofSeries.length === 0) continue;
      const last = await this.placement.lockNewest(conn, series);
      const unplaced = ofSeries.map((b) => ({
        lamId: b.lamId,
        blockSeq: b.blockSeq,
        receivedAtMs,
        rus: JSON.parse(b.payload),
      }));
      for (const p of await this.placement.place(conn, last, series, unplaced, receivedAtMs))
        placed.set(blockKey(p), p);
    }
    return placed;
  }

  /** The highest block_seq stored for a LAM (0: none), told to it in the Welcome. */
  async highestSeq(lamId: string): Promise<number> {
    const rows: { seq: number | null }[] = await this.db.query(
      'SELECT MAX(block_seq) AS seq FROM ledger_block WHERE lam_id = ?',
      [lamId],
    );
    return Number(rows[0]?.seq ?? 0);
  }

  /** Bumps the lease row's fence under the tenure the rows were written with; returns its epoch. */
  private async checkFence(conn: Connection, epoch: number): Promise<number> {
    if (!this.fence) return 0;
    const f = this.fence.current();
    if (!f) throw new FencedError('this node holds no role lease');
    if (f.epoch !== epoch)
      throw new FencedError(`the role lease changed hands during the batch (epoch ${epoch} → ${f.epoch})`);
    if (!(await bumpFence(conn, f)))
      throw new FencedError(
        `the role lease is no longer ${f.owner}'s (epoch ${f.epoch}): another node took over`,
      );
    return f.epoch;
  }

  private async storedPayloads(
    conn: Connection,
    blocks: readonly BlockRecord[],
  ): Promise<Map<string, string>> {
    const tuples = blocks.map(() => '(?,?)').join(',');
    const rows: { lam_id: string; block_seq: number; payload: string }[] = await conn.query(
      `SELECT lam_id, block_seq, payload FROM ledger_block WHERE (lam_id, block_seq) IN (${tuples})`,
      blocks.flatMap((b) => [b.lamId, b.blockSeq]),
    );
    return new Map(rows.map((r) => [blockKey({ lamId: r.lam_id, blockSeq: r.block_seq }), r.payload]));
  }
}
