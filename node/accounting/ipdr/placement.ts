/**
 * Placing ledger blocks into IPDR files, inside the caller's transaction. Two callers:
 * - the ingest batch (ledger.ts) places the blocks it inserts, so a block is in a file the moment
 *   it is acknowledged and the near-real-time path never falls behind the acks;
 * - the planner (ledger-ipdr.ts) places what was stored unplaced (journal replay, rows of an older
 *   version) and closes files whose rotation time has passed while no block arrived.
 * Both lock the series' newest file row first, so their placements serialise and record numbers
 * stay gapless; the rules themselves are plan.ts (pure).
 */
import type { Series } from '../../../kernel/block.js';
import type { Connection } from '../../replication/database.js';
import { type Placement, type PlanLimits, type PlannedFile, planRound, type UnplacedBlock } from './plan.js';

interface FileRow {
  series: Series;
  file_seq: number;
  stem: string;
  opened_at_ms: number;
  first_record_seq: number;
  next_record_seq: number;
  bytes: number;
  closed_at_ms: number | null;
}

export type { FileRow };

export const fileFromRow = (r: FileRow): PlannedFile => ({
  series: r.series,
  fileSeq: r.file_seq,
  stem: r.stem,
  openedAtMs: Number(r.opened_at_ms),
  firstRecordSeq: Number(r.first_record_seq),
  nextRecordSeq: Number(r.next_record_seq),
  bytes: r.bytes,
  closedAtMs: r.closed_at_ms === null ? null : Number(r.closed_at_ms),
});

export class IpdrPlacement {
  constructor(readonly limits: PlanLimits) {}

  /** In `conn`'s transaction: the series' newest file (open or closed), its row locked to the commit. */
  async lockNewest(conn: Connection, series: Series): Promise<PlannedFile | null> {
    const rows: FileRow[] = await conn.query(
      'SELECT * FROM ipdr_file WHERE series = ? ORDER BY file_seq DESC LIMIT 1 FOR UPDATE',
      [series],
    );
    return rows[0] ? fileFromRow(rows[0]) : null;
  }

  /**
   * In `conn`'s transaction, after lockNewest: places `blocks` (one series, in the order given)
   * after `last`, closing files by size or time as plan.ts says, and writes the touched file rows.
   * The caller writes the returned placements into the blocks' ledger rows in the same transaction.
   */
  async place(
    conn: Connection,
    last: PlannedFile | null,
    series: Series,
    blocks: readonly UnplacedBlock[],
    nowMs: number,
  ): Promise<Placement[]> {
    const step = planRound(series, last, blocks, nowMs, this.limits);
    if (step.files.length > 0) {
      const rows = step.files.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      await conn.query(
        `INSERT INTO ipdr_file (series, file_seq, stem, opened_at_ms, first_record_seq, next_record_seq, bytes, closed_at_ms)
         VALUES ${rows}
         ON DUPLICATE KEY UPDATE next_record_seq = VALUES(next_record_seq), bytes = VALUES(bytes), closed_at_ms = VALUES(closed_at_ms)`,
        step.files.flatMap((f) => [
          f.series,
          f.fileSeq,
          f.stem,
          f.openedAtMs,
          f.firstRecordSeq,
          f.nextRecordSeq,
          f.bytes,
          f.closedAtMs,
        ]),
      );
    }
    return step.placements;
  }
}
