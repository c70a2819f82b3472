/**
 * IPDR files from the replicated ledger.
 *
 * - Ingest batches place their own blocks (placement.ts). The planner (only on the node that holds
 *   the role lease, checked in the same transaction) places blocks stored unplaced (journal replay)
 *   and closes files whose rotation time passed, in one transaction per series and round.
 * - The renderer (on every node) writes each planned file into `<base>/Primary` or `<base>/Recovery`:
 *   the open file as `.active` (rewritten from the ledger as blocks arrive), a closed file as
 *   `.closed` / `.closed.zip`, each fsync'd before its rename. Its position survives restarts in
 *   `<dataDir>/ipdr-<series>.json`; a crash at any point is repaired by rendering again (the content
 *   is a pure function of the ledger rows).
 */

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SERIES, type Series } from '../../../kernel/block.js';
import { writeFileDurably } from '../../../kernel/durable-fs.js';
import type { NodeObserver } from '../../metrics/observer.js';
import type { Connection, Database } from '../../replication/database.js';
import { FencedError, type FenceSource, holdsTenure } from '../ledger.js';
import { writeClosedFile } from './file-output.js';
import { type FileRow, fileFromRow, type IpdrPlacement } from './placement.js';
import { type PlanLimits, type PlannedFile, renderPlannedFile, type UnplacedBlock } from './plan.js';

export const SERIES_DIR: Record<Series, string> = { primary: 'Primary', recovery: 'Recovery' };

export class IpdrPlanner {
  constructor(
    private readonly db: Database,
    private readonly placement: IpdrPlacement,
    private readonly log: Logger,
    /** The role lease: a round commits only under this node's tenure. Absent: unfenced (tests). */
    private readonly fence?: FenceSource,
  ) {}

  /** One round for every series; nothing is placed while this node holds no tenure. */
  async round(nowMs = Date.now(), batch = 500): Promise<{ placed: number }> {
    let placed = 0;
    for (const series of SERIES) {
      placed += await this.plan(series, nowMs, batch).catch((err) => {
        // The role passed on mid-round: nothing was committed, the new owner plans.
        if (err instanceof FencedError) return 0;
        throw err;
      });
    }
    return { placed };
  }

  private plan(series: Series, nowMs: number, batch: number): Promise<number> {
    return this.db.transaction(async (conn) => {
      if (this.fence && !this.fence.current()) return 0;
      const n = await this.planSeries(conn, series, nowMs, batch);
      // Last, so the lease row is locked only until the commit; no tenure: nothing is committed.
      if (this.fence && !(await holdsTenure(conn, this.fence)))
        throw new FencedError('IPDR planning: the role lease passed on during the round');
      return n;
    });
  }

  private async planSeries(conn: Connection, series: Series, nowMs: number, batch: number): Promise<number> {
    // The newest file's row is locked first: ingest batches that place their own blocks wait
    // for this round, and the unplaced rows read next are the latest committed ones.
    const last = await this.placement.lockNewest(conn, series);
    const rows: { lam_id: string; block_seq: number; received_ms: number; payload: string }[] =
      await conn.query(
        `SELECT lam_id, block_seq, CAST(UNIX_TIMESTAMP(received_at) * 1000 AS UNSIGNED) AS received_ms, payload
         FROM ledger_block WHERE stream = ? AND ipdr_file_seq IS NULL ORDER BY ingest_id LIMIT ?`,
        [series, batch],
      );
    const blocks: UnplacedBlock[] = rows.map((r) => ({
      lamId: r.lam_id,
      blockSeq: Number(r.block_seq),
      receivedAtMs: Number(r.received_ms),
      rus: JSON.parse(r.payload),
    }));
    const placements = await this.placement.place(conn, last, series, blocks, nowMs);
    // Placements in chunks: one UPDATE joined with a derived table of (block, file, record) rows.
    for (let i = 0; i < placements.length; i += 200) {
      const chunk = placements.slice(i, i + 200);
      const rows = chunk
        .map((_, j) => (j === 0 ? 'SELECT ? AS l, ? AS s, ? AS f, ? AS r' : 'SELECT ?, ?, ?, ?'))
        .join(' UNION ALL ');
      const res: { affectedRows: number } = await conn.query(
        `UPDATE ledger_block b JOIN (${rows}) v ON b.lam_id = v.l AND b.block_seq = v.s
            SET b.ipdr_file_seq = v.f, b.ipdr_record_seq = v.r WHERE b.ipdr_file_seq IS NULL`,
        chunk.flatMap((p) => [p.lamId, p.blockSeq, p.fileSeq, p.recordSeq]),
      );
      // Cannot happen while the file row is locked; if it does, roll the round back (alarmed).
      if (res.affectedRows !== chunk.length)
        throw new Error(
          `IPDR planning: ${chunk.length - res.affectedRows} ${series} blocks were already placed`,
        );
    }
    if (placements.length > 0) this.log.debug({ series, placed: placements.length }, 'IPDR blocks placed');
    return placements.length;
  }
}

interface RenderState {
  /** Closed files up to this number are on disk in their final form. */
  closedThrough: number;
}

export class IpdrRenderer {
  private readonly state = new Map<Series, RenderState>();
  private readonly activeShown = new Map<Series, { fileSeq: number; nextRecordSeq: number }>();

  constructor(
    private readonly db: Database,
    private readonly baseDir: string,
    private readonly stateDir: string,
    private readonly limits: PlanLimits & { compress: boolean },
    private readonly log: Logger,
    private readonly observer?: Pick<NodeObserver, 'fileRendered'>,
  ) {
    for (const s of SERIES) {
      mkdirSync(join(baseDir, SERIES_DIR[s]), { recursive: true });
      const path = this.statePath(s);
      let closedThrough = 0;
      if (existsSync(path))
        closedThrough = (JSON.parse(readFileSync(path, 'utf8')) as RenderState).closedThrough;
      this.state.set(s, { closedThrough });
    }
  }

  /** Closed files of `series` up to this number are on this node's disk. */
  closedThrough(series: Series): number {
    return this.state.get(series)!.closedThrough;
  }

  /** Renders every closed file not yet on disk and refreshes the open one. Returns files closed. */
  async round(): Promise<number> {
    if (!this.cleaned) await this.removeTemporaries();
    let closed = 0;
    for (const series of SERIES) {
      const st = this.state.get(series)!;
      const files: FileRow[] = await this.db.query(
        'SELECT * FROM ipdr_file WHERE series = ? AND file_seq > ? ORDER BY file_seq LIMIT 50',
        [series, st.closedThrough],
      );
      for (const row of files) {
        const file = fileFromRow(row);
        const dir = join(this.baseDir, SERIES_DIR[series]);
        if (file.closedAtMs === null) {
          // Rewrite the .active file only when records were added to it since the last round.
          const shown = this.activeShown.get(series);
          if (shown?.fileSeq !== file.fileSeq || shown.nextRecordSeq !== file.nextRecordSeq) {
            await writeFileDurably(join(dir, `${file.stem}.active`), await this.content(file));
            this.activeShown.set(series, { fileSeq: file.fileSeq, nextRecordSeq: file.nextRecordSeq });
          }
          break; // files after an open one do not exist yet
        }
        const startedAt = performance.now();
        const content = await this.content(file);
        await writeClosedFile(
          dir,
          { stem: file.stem, closedAtMs: file.closedAtMs },
          content,
          this.limits.compress,
        );
        this.observer?.fileRendered(series, (performance.now() - startedAt) / 1000);
        this.log.info({ series, file: file.stem, seq: file.fileSeq }, 'IPDR file closed');
        st.closedThrough = file.fileSeq;
        await writeFileDurably(this.statePath(series), JSON.stringify(st));
        closed++;
      }
    }
    return closed;
  }

  private async content(file: PlannedFile): Promise<string> {
    const rows: { ipdr_record_seq: number; received_ms: number; payload: string }[] = await this.db.query(
      `SELECT ipdr_record_seq, CAST(UNIX_TIMESTAMP(received_at) * 1000 AS UNSIGNED) AS received_ms, payload
         FROM ledger_block WHERE stream = ? AND ipdr_file_seq = ? ORDER BY ipdr_record_seq`,
      [file.series, file.fileSeq],
    );
    return renderPlannedFile(
      file,
      rows.map((r) => ({
        recordSeq: Number(r.ipdr_record_seq),
        receivedAtMs: Number(r.received_ms),
        rus: JSON.parse(r.payload),
      })),
      this.limits,
    );
  }

  private cleaned = false;

  /** `.tmp` files are unfinished renders of a crashed process, never accounting files. */
  private async removeTemporaries(): Promise<void> {
    for (const s of SERIES) {
      const dir = join(this.baseDir, SERIES_DIR[s]);
      for (const f of await readdir(dir)) if (f.endsWith('.tmp')) await rm(join(dir, f), { force: true });
    }
    this.cleaned = true;
  }

  private statePath(series: Series): string {
    return join(this.stateDir, `ipdr-${series}.json`);
  }
}
