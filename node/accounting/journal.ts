/**
 * The node's local ingest journal: every block is fsync'd here before it is acknowledged, so a
 * node can replay what it acknowledged into the ledger if the replicated database lost it.
 * A process always starts a new segment; older segments are read-only and replayed at start-up.
 */

import { mkdirSync } from 'node:fs';
import { type FileHandle, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BlockRecord } from '../../kernel/block.js';
import { type DecodedSegment, decodeSegment, encodeBlock } from '../../kernel/block-log.js';
import { syncDir } from '../../kernel/durable-fs.js';
import type { JournalConfig } from '../config/schema.js';

const SEGMENT = /^segment-(\d{12})\.jnl$/;
const segmentName = (n: number) => `segment-${String(n).padStart(12, '0')}.jnl`;

export interface ReplayedSegment extends DecodedSegment {
  file: string;
}

export class Journal {
  private handle: FileHandle | undefined;
  private currentName = '';
  private currentBytes = 0;
  /** After a failed write the segment's tail is suspect: continue in a fresh segment. */
  private segmentSuspect = false;

  private constructor(
    readonly dir: string,
    private readonly config: JournalConfig,
    private readonly log: Logger,
  ) {}

  static async open(dir: string, config: JournalConfig, log: Logger): Promise<Journal> {
    mkdirSync(dir, { recursive: true });
    const journal = new Journal(dir, config, log);
    await journal.startSegment();
    return journal;
  }

  /** Appends the blocks and returns once they are on disk (one write, one fdatasync). */
  async append(blocks: readonly BlockRecord[]): Promise<void> {
    if (blocks.length === 0) return;
    const suspect = this.segmentSuspect && this.currentBytes > 0; // an empty segment was truncated clean
    if (suspect || this.currentBytes >= this.config.segmentBytes) await this.startSegment();
    const buf = Buffer.concat(blocks.map(encodeBlock));
    const handle = this.handle!;
    try {
      let written = 0;
      while (written < buf.length) {
        const { bytesWritten } = await handle.write(
          buf,
          written,
          buf.length - written,
          this.currentBytes + written,
        );
        written += bytesWritten;
      }
      await handle.datasync();
    } catch (err) {
      // A partial record (e.g. disk full) must not sit between good ones: cut it off, and never
      // trust this segment's tail again (after a failed fsync the page cache state is unknown).
      this.segmentSuspect = true;
      await handle.truncate(this.currentBytes).catch(() => undefined);
      throw err;
    }
    this.currentBytes += buf.length;
  }

  /**
   * Closes the current segment (if it holds anything) and continues in a new one, so that what was
   * appended so far is among `earlierSegments()`. Call only while no append is running.
   */
  async seal(): Promise<void> {
    if (this.currentBytes > 0) await this.startSegment();
  }

  /** Segments no longer written to (by earlier processes, or sealed), oldest first. */
  async earlierSegments(): Promise<string[]> {
    const names = (await readdir(this.dir)).filter((n) => SEGMENT.test(n)).sort();
    return names.filter((n) => n !== this.currentName);
  }

  async readSegment(name: string): Promise<ReplayedSegment> {
    const decoded = decodeSegment(await readFile(join(this.dir, name)));
    return { file: name, ...decoded };
  }

  /** Deletes earlier segments last written before the retention period. */
  async prune(now = Date.now()): Promise<string[]> {
    const cutoff = now - this.config.retentionHours * 3600_000;
    const removed: string[] = [];
    for (const name of await this.earlierSegments()) {
      const s = await stat(join(this.dir, name));
      if (s.mtimeMs < cutoff) {
        await rm(join(this.dir, name));
        removed.push(name);
      }
    }
    if (removed.length > 0) this.log.info({ removed }, 'pruned journal segments past retention');
    return removed;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    // An empty last segment carries nothing to replay: leave no trace of it.
    if (this.currentName && this.currentBytes === 0) {
      await rm(join(this.dir, this.currentName), { force: true });
      await syncDir(this.dir);
    }
  }

  private async startSegment(): Promise<void> {
    await this.handle?.close();
    const names = (await readdir(this.dir)).filter((n) => SEGMENT.test(n)).sort();
    const last = names.at(-1);
    const next = last ? Number(SEGMENT.exec(last)![1]) + 1 : 1;
    this.currentName = segmentName(next);
    this.handle = await open(join(this.dir, this.currentName), 'wx');
    this.currentBytes = 0;
    this.segmentSuspect = false;
    // Make the new file's directory entry durable too.
    await syncDir(this.dir);
  }
}
