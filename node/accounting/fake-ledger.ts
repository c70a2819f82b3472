/**
 * The ledger in memory, for fast tables of what stores into it (group commit, replay): the same
 * outcomes as Ledger — stored once, a resend with the same RUs is a duplicate, the same key with
 * other RUs a conflict — and a switch that makes the next batches fail (no quorum).
 */
import { type BlockRecord, blockKey } from '../../kernel/block.js';
import type { LedgerStore } from './ingest.js';
import type { StoreOutcome } from './ledger.js';

export class FakeLedger implements LedgerStore {
  /** Payload by block key. */
  readonly rows = new Map<string, string>();
  /** While it returns an error, every batch fails with it (nothing is stored). */
  failWith: () => Error | undefined = () => undefined;

  async storeBatch(blocks: readonly BlockRecord[]): Promise<StoreOutcome[]> {
    const err = this.failWith();
    if (err) throw err;
    return blocks.map((b) => {
      const stored = this.rows.get(blockKey(b));
      if (stored !== undefined) return stored === b.payload ? 'duplicate' : 'conflict';
      this.rows.set(blockKey(b), b.payload);
      return 'stored';
    });
  }

  has(b: { lamId: string; blockSeq: number }): boolean {
    return this.rows.has(blockKey(b));
  }
}
