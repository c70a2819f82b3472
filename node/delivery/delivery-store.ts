/**
 * Delivery state in the replicated database, so whichever node is active continues where the other
 * stopped: which closed IPDR files the OSS has by FTP, and how far the TCP feed has got per series.
 */

import type { Series } from '../../kernel/block.js';
import type { RecordingUnit } from '../../proto/ru.js';
import type { Database } from '../replication/database.js';

export interface ClosedFile {
  series: Series;
  fileSeq: number;
  stem: string;
}

export interface FeedPosition {
  confirmed: number;
  written: number;
}

export interface PlacedBlock {
  firstRecordSeq: number;
  receivedAtMs: number;
  rus: RecordingUnit[];
}

/** What the TCP feed reads and writes (DeliveryStore; FakeFeedTables in memory for tests). */
export interface FeedTables {
  feedPosition(series: Series): Promise<FeedPosition>;
  /** Positions only move forward. */
  saveFeedPosition(series: Series, p: FeedPosition, node: string): Promise<void>;
  nextRecordSeq(series: Series): Promise<number>;
  placedBlocksFrom(series: Series, from: number, limit: number): Promise<PlacedBlock[]>;
}

export class DeliveryStore implements FeedTables {
  constructor(private readonly db: Database) {}

  /**
   * Per series, every closed file up to this number is delivered. Files are never removed from
   * `ipdr_file`, so without this floor every round would scan the whole history; it only rises
   * (closed files stay closed, deliveries are never undone) and is re-learnt from 0 at start-up.
   */
  private readonly deliveredThrough = new Map<Series, number>([
    ['primary', 0],
    ['recovery', 0],
  ]);

  private aboveFloor(): { sql: string; params: number[] } {
    return {
      sql: "((f.series = 'primary' AND f.file_seq > ?) OR (f.series = 'recovery' AND f.file_seq > ?))",
      params: [this.deliveredThrough.get('primary')!, this.deliveredThrough.get('recovery')!],
    };
  }

  /** Closed files not yet delivered by FTP, oldest first. */
  async undeliveredFiles(limit = 100): Promise<ClosedFile[]> {
    const floor = this.aboveFloor();
    const rows: { series: Series; file_seq: number; stem: string }[] = await this.db.query(
      `SELECT f.series, f.file_seq, f.stem FROM ipdr_file f
         LEFT JOIN ftp_delivery d ON d.series = f.series AND d.file_seq = f.file_seq
        WHERE ${floor.sql} AND f.closed_at_ms IS NOT NULL AND d.file_seq IS NULL
        ORDER BY f.closed_at_ms, f.series, f.file_seq LIMIT ?`,
      [...floor.params, limit],
    );
    return rows.map((r) => ({ series: r.series, fileSeq: r.file_seq, stem: r.stem }));
  }

  /** How many closed files wait for FTP; moves the floor up past what is delivered. */
  async countUndeliveredFiles(): Promise<number> {
    const floor = this.aboveFloor();
    const rows: { series: Series; waiting: number; first_waiting: number | null; last_closed: number }[] =
      await this.db.query(
        `SELECT f.series, SUM(d.file_seq IS NULL) AS waiting,
                MIN(IF(d.file_seq IS NULL, f.file_seq, NULL)) AS first_waiting, MAX(f.file_seq) AS last_closed
           FROM ipdr_file f
           LEFT JOIN ftp_delivery d ON d.series = f.series AND d.file_seq = f.file_seq
          WHERE ${floor.sql} AND f.closed_at_ms IS NOT NULL
          GROUP BY f.series`,
        floor.params,
      );
    let waiting = 0;
    for (const r of rows) {
      waiting += Number(r.waiting);
      const through = r.first_waiting === null ? Number(r.last_closed) : Number(r.first_waiting) - 1;
      this.deliveredThrough.set(r.series, Math.max(this.deliveredThrough.get(r.series)!, through));
    }
    return waiting;
  }

  /** Files delivered by FTP with a file_seq above `after` (every node marks its copies). */
  async deliveredFiles(series: Series, after: number, limit = 500): Promise<ClosedFile[]> {
    const rows: { file_seq: number; stem: string }[] = await this.db.query(
      `SELECT f.file_seq, f.stem FROM ftp_delivery d
         JOIN ipdr_file f ON f.series = d.series AND f.file_seq = d.file_seq
        WHERE d.series = ? AND d.file_seq > ? ORDER BY d.file_seq LIMIT ?`,
      [series, after, limit],
    );
    return rows.map((r) => ({ series, fileSeq: r.file_seq, stem: r.stem }));
  }

  async recordFtpDelivery(file: ClosedFile, remotePath: string, bytes: number, node: string): Promise<void> {
    await this.db.query(
      `INSERT IGNORE INTO ftp_delivery (series, file_seq, remote_path, bytes, delivered_at_ms, delivered_by)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [file.series, file.fileSeq, remotePath, bytes, Date.now(), node],
    );
  }

  async feedPosition(series: Series): Promise<FeedPosition> {
    const rows: { confirmed_seq: number; written_seq: number }[] = await this.db.query(
      'SELECT confirmed_seq, written_seq FROM feed_position WHERE series = ?',
      [series],
    );
    const r = rows[0];
    return { confirmed: Number(r?.confirmed_seq ?? 0), written: Number(r?.written_seq ?? 0) };
  }

  /** Positions only move forward (a late update from a node that lost the role cannot rewind). */
  async saveFeedPosition(series: Series, p: FeedPosition, node: string): Promise<void> {
    await this.db.query(
      `INSERT INTO feed_position (series, confirmed_seq, written_seq, updated_at_ms, updated_by)
       VALUES (?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE confirmed_seq = GREATEST(confirmed_seq, VALUES(confirmed_seq)),
         written_seq = GREATEST(written_seq, VALUES(written_seq)),
         updated_at_ms = VALUES(updated_at_ms), updated_by = VALUES(updated_by)`,
      [series, p.confirmed, p.written, Date.now(), node],
    );
  }

  /** The next record number the planner will give in `series` (1 when none is placed yet). */
  async nextRecordSeq(series: Series): Promise<number> {
    // The newest file has the highest next_record_seq; read it by the primary key, not by a scan.
    const rows: { n: number }[] = await this.db.query(
      'SELECT next_record_seq AS n FROM ipdr_file WHERE series = ? ORDER BY file_seq DESC LIMIT 1',
      [series],
    );
    return Number(rows[0]?.n ?? 1);
  }

  /** Placed blocks holding records ≥ `from`, in record order (the first may start before `from`). */
  async placedBlocksFrom(series: Series, from: number, limit: number): Promise<PlacedBlock[]> {
    const rows: { ipdr_record_seq: number; received_ms: number; payload: string }[] = await this.db.query(
      `SELECT ipdr_record_seq, CAST(UNIX_TIMESTAMP(received_at) * 1000 AS UNSIGNED) AS received_ms, payload
         FROM ledger_block
        WHERE stream = ? AND ipdr_record_seq >= COALESCE(
              (SELECT MAX(ipdr_record_seq) FROM ledger_block WHERE stream = ? AND ipdr_record_seq <= ?), 0)
        ORDER BY ipdr_record_seq LIMIT ?`,
      [series, series, from, limit],
    );
    return rows.map((r) => ({
      firstRecordSeq: Number(r.ipdr_record_seq),
      receivedAtMs: Number(r.received_ms),
      rus: JSON.parse(r.payload) as RecordingUnit[],
    }));
  }
}
