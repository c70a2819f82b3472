/**
 * The replicated ledger of acknowledged RU blocks (table ledger_block). Storing is idempotent:
 * a block already present is reported as a duplicate and not written again.
 */
import { type Connection, type Database, ER } from '../replication/database.js';
import { blockKey, type LedgerBlock, type StoreOutcome } from './block.js';

export class Ledger {
  constructor(
    private readonly db: Database,
    private readonly nodeId: string,
  ) {}

  /** Stores a batch in one transaction; returns the outcome of each block, in order. */
  async storeBatch(blocks: readonly LedgerBlock[]): Promise<StoreOutcome[]> {
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

  private async storeIn(conn: Connection, blocks: readonly LedgerBlock[]): Promise<StoreOutcome[]> {
    const existing = await this.existingKeys(conn, blocks);
    const outcomes: StoreOutcome[] = [];
    const toInsert: LedgerBlock[] = [];
    const seen = new Set<string>();
    for (const b of blocks) {
      const key = blockKey(b);
      if (existing.has(key) || seen.has(key)) {
        outcomes.push('duplicate');
      } else {
        seen.add(key);
        toInsert.push(b);
        outcomes.push('stored');
      }
    }
    if (toInsert.length > 0) {
      const rows = toInsert.map(() => '(?,?,?,?,?,?,?)').join(',');
      const params = toInsert.flatMap((b) => [
        b.lamId,
        b.blockSeq,
        b.stream,
        b.ruCount,
        b.createdAtMs,
        this.nodeId,
        b.payload,
      ]);
      await conn.query(
        `INSERT INTO ledger_block (lam_id, block_seq, stream, ru_count, created_at_ms, received_by, payload) VALUES ${rows}`,
        params,
      );
    }
    return outcomes;
  }

  private async existingKeys(conn: Connection, blocks: readonly LedgerBlock[]): Promise<Set<string>> {
    const tuples = blocks.map(() => '(?,?)').join(',');
    const rows: { lam_id: string; block_seq: number }[] = await conn.query(
      `SELECT lam_id, block_seq FROM ledger_block WHERE (lam_id, block_seq) IN (${tuples})`,
      blocks.flatMap((b) => [b.lamId, b.blockSeq]),
    );
    return new Set(rows.map((r) => blockKey({ lamId: r.lam_id, blockSeq: r.block_seq })));
  }
}
