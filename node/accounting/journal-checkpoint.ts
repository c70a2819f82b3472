/**
 * Which journal segments need not be replayed again. Galera's history is a total order and a
 * member's state is always a prefix of it, so: when a node writes a fresh random token to the
 * replicated table journal_checkpoint *after* every block of some sealed segments was committed
 * (acknowledged, or restored by replay), then as long as the database still holds that token it
 * still holds those blocks. A database that lost the token (a member bootstrapped from an older
 * state, a new cluster, rows lost in a crash) gets the full replay.
 *
 * The local file `journal/checkpoint.json` names the segments and the token; the database row is
 * written first, so a crash between the two leaves an old token that no longer matches: a full
 * replay, never a skipped one. Deleting the file forces a full replay at the next start.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../../kernel/durable-fs.js';
import type { Database } from '../replication/database.js';

interface CheckpointFile {
  token: string;
  segments: string[];
  atMs: number;
}

export type CheckpointState = 'valid' | 'absent' | 'lost';

export class JournalCheckpoint {
  private readonly file: string;
  private current: CheckpointFile | undefined;
  /** commit() and extend() one at a time: the file must always name the newest token. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    journalDir: string,
    private readonly db: Database,
    private readonly nodeId: string,
  ) {
    this.file = join(journalDir, 'checkpoint.json');
  }

  /** The segments still covered by a token the database holds (empty unless `valid`). */
  async verified(): Promise<{ state: CheckpointState; segments: Set<string> }> {
    const local = await this.readFile();
    if (!local) return { state: 'absent', segments: new Set() };
    const rows: { token: string }[] = await this.db.query(
      'SELECT token FROM journal_checkpoint WHERE node_id = ?',
      [this.nodeId],
    );
    if (rows[0]?.token !== local.token) {
      this.current = undefined;
      return { state: 'lost', segments: new Set() };
    }
    this.current = local;
    return { state: 'valid', segments: new Set(local.segments) };
  }

  /**
   * After a replay: every segment in `segments` is in the ledger now (or quarantined). Replaces
   * whatever was recorded before.
   */
  commit(segments: readonly string[], nowMs = Date.now()): Promise<void> {
    return this.oneAtATime(() => this.commitNow(segments, nowMs));
  }

  private async commitNow(segments: readonly string[], nowMs: number): Promise<void> {
    const token = randomBytes(16).toString('hex');
    await this.db.query(
      `INSERT INTO journal_checkpoint (node_id, token, updated_at_ms) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE token = VALUES(token), updated_at_ms = VALUES(updated_at_ms)`,
      [this.nodeId, token, nowMs],
    );
    await this.writeFile({ token, segments: [...segments], atMs: nowMs });
  }

  /**
   * While running: `sealed` are the segments no longer written to, every acknowledged block of
   * which was committed before now; the checkpoint then covers exactly them. Only if the database
   * still holds the previous token (else returns false and leaves it to the next replay).
   */
  extend(sealed: readonly string[], nowMs = Date.now()): Promise<boolean> {
    return this.oneAtATime(() => this.extendNow(sealed, nowMs));
  }

  private async extendNow(sealed: readonly string[], nowMs: number) {
    const prev = this.current;
    if (!prev) return false;
    const token = randomBytes(16).toString('hex');
    const res: { affectedRows: number } = await this.db.query(
      'UPDATE journal_checkpoint SET token = ?, updated_at_ms = ? WHERE node_id = ? AND token = ?',
      [token, nowMs, this.nodeId, prev.token],
    );
    if (res.affectedRows !== 1) {
      this.current = undefined;
      return false;
    }
    await this.writeFile({ token, segments: [...sealed], atMs: nowMs });
    return true;
  }

  /** Does the checkpoint already cover every one of these segments? */
  covers(segments: readonly string[]): boolean {
    const covered = new Set(this.current?.segments ?? []);
    return segments.every((s) => covered.has(s));
  }

  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async readFile(): Promise<CheckpointFile | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as CheckpointFile;
      if (typeof parsed.token !== 'string' || !Array.isArray(parsed.segments)) return undefined;
      return parsed;
    } catch {
      return undefined; // absent or unreadable: a full replay is always safe
    }
  }

  private async writeFile(c: CheckpointFile): Promise<void> {
    await writeFileDurably(this.file, JSON.stringify(c));
    this.current = c;
  }
}
