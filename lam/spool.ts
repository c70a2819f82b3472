/**
 * The LAM's disk spool: every closed RU block is appended (fsync'd) to the `.active` file before
 * it is sent, so a block survives a LAM crash until the CAM acknowledges it. Files rotate to
 * `.closed`, are renamed `.reading` while the recovery stream drains them, and are deleted only when
 * every block in them is acknowledged. Acks are noted in a `<stem>.acked` side file (not fsync'd:
 * a lost note only makes a block be sent again, which the CAM acks as a duplicate).
 */

import { appendFile, type FileHandle, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BlockRecord } from '../kernel/block.js';
import { decodeSegment, encodeBlock } from '../kernel/block-log.js';
import { renameDurably, syncDir } from '../kernel/durable-fs.js';
import { parseSpoolName, type SpoolState, shouldRotate, spoolStem } from './spool-names.js';

export interface SpoolFile {
  stem: string;
  state: SpoolState;
  bytes: number;
  openedAtMs: number;
  seqs: Set<number>;
  acked: Set<number>;
}

export interface QuarantineRecord {
  file: string;
  problem: 'torn' | 'corrupt';
  bytes: number;
  keptBlocks: number;
  movedTo: string;
}

export interface SpoolOpenReport {
  files: number;
  blocks: number;
  unacked: number;
  quarantined: QuarantineRecord[];
  maxSeq: number;
}

export interface RotationLimits {
  fileRotationSize: number;
  fileRotationTime: number;
}

const fileName = (f: { stem: string; state: SpoolState }) => `${f.stem}.${f.state}`;

export class Spool {
  private readonly files = new Map<string, SpoolFile>();
  private readonly fileOfSeq = new Map<number, SpoolFile>();
  private active: { file: SpoolFile; handle: FileHandle } | undefined;
  private suspect = false;

  private constructor(
    readonly dir: string,
    private readonly limits: RotationLimits,
    private readonly log: Logger,
  ) {}

  /** Opens (creating) the spool directory and recovers what a previous process left. */
  static async open(
    dir: string,
    limits: RotationLimits,
    log: Logger,
  ): Promise<{ spool: Spool; report: SpoolOpenReport }> {
    await mkdir(join(dir, 'quarantine'), { recursive: true });
    const spool = new Spool(dir, limits, log);
    const report = await spool.recover();
    return { spool, report };
  }

  get quarantineDir(): string {
    return join(this.dir, 'quarantine');
  }

  /** Appends blocks to the active file and returns once they are on disk. */
  async append(blocks: readonly BlockRecord[], nowMs = Date.now()): Promise<void> {
    if (blocks.length === 0) return;
    if (this.active && (this.suspect || shouldRotate(this.active.file, nowMs, this.limits)))
      await this.rotate();
    if (!this.active) await this.startActive(nowMs);
    const { file, handle } = this.active!;
    const buf = Buffer.concat(blocks.map(encodeBlock));
    try {
      let written = 0;
      while (written < buf.length) {
        const { bytesWritten } = await handle.write(buf, written, buf.length - written, file.bytes + written);
        written += bytesWritten;
      }
      await handle.datasync();
    } catch (err) {
      // Cut off the partial record; continue in a fresh file (a failed fsync leaves the tail unknown).
      await handle.truncate(file.bytes).catch(() => undefined);
      this.suspect = file.bytes > 0;
      throw err;
    }
    file.bytes += buf.length;
    for (const b of blocks) {
      file.seqs.add(b.blockSeq);
      this.fileOfSeq.set(b.blockSeq, file);
    }
  }

  /** Closes the active file if its size or time limit is reached. */
  async rotateIfDue(nowMs = Date.now()): Promise<void> {
    if (this.active && shouldRotate(this.active.file, nowMs, this.limits)) await this.rotate();
  }

  /** Closes the active file now (e.g. so that its unsent blocks can drain on the recovery stream). */
  async rotate(): Promise<void> {
    const current = this.active;
    if (!current) return;
    this.active = undefined;
    this.suspect = false;
    await current.handle.close();
    const file = current.file;
    if (file.bytes === 0) {
      await rm(join(this.dir, fileName(file)), { force: true });
      this.files.delete(file.stem);
      return;
    }
    await renameDurably(join(this.dir, fileName(file)), join(this.dir, `${file.stem}.closed`));
    file.state = 'closed';
    await this.removeIfDone(file);
  }

  markAcked(seq: number): void {
    const file = this.fileOfSeq.get(seq);
    if (!file || file.acked.has(seq)) return;
    file.acked.add(seq);
    this.fileOfSeq.delete(seq);
    void appendFile(join(this.dir, `${file.stem}.acked`), `${seq}\n`).catch(() => undefined);
    void this.removeIfDone(file);
  }

  isAcked(seq: number): boolean {
    return !this.fileOfSeq.has(seq);
  }

  /** Closed or reading files with unacknowledged blocks, oldest first. */
  backlogFiles(): SpoolFile[] {
    return [...this.files.values()]
      .filter((f) => f.state !== 'active' && f.acked.size < f.seqs.size)
      .sort((a, b) => a.stem.localeCompare(b.stem));
  }

  /** Unacknowledged blocks in the active file (sent nowhere yet when the CAM was unreachable). */
  activeUnacked(): number[] {
    const f = this.active?.file;
    return f ? [...f.seqs].filter((s) => !f.acked.has(s)) : [];
  }

  async markReading(file: SpoolFile): Promise<void> {
    if (file.state !== 'closed') return;
    await renameDurably(join(this.dir, fileName(file)), join(this.dir, `${file.stem}.reading`));
    file.state = 'reading';
  }

  /** The unacknowledged blocks of a closed or reading file, in file order. */
  async unackedBlocks(file: SpoolFile): Promise<BlockRecord[]> {
    const decoded = decodeSegment(await readFile(join(this.dir, fileName(file))));
    return decoded.blocks.filter((b) => !file.acked.has(b.blockSeq));
  }

  stats() {
    let bytes = 0;
    let unacked = 0;
    for (const f of this.files.values()) {
      bytes += f.bytes;
      unacked += f.seqs.size - f.acked.size;
    }
    return {
      files: this.files.size,
      bytes,
      unackedBlocks: unacked,
      activeFile: this.active ? fileName(this.active.file) : null,
    };
  }

  async close(): Promise<void> {
    await this.active?.handle.close();
    this.active = undefined;
  }

  private async startActive(nowMs: number): Promise<void> {
    let stem = spoolStem(nowMs);
    for (let i = 1; this.files.has(stem); i++) stem = spoolStem(nowMs, i);
    const file: SpoolFile = {
      stem,
      state: 'active',
      bytes: 0,
      openedAtMs: nowMs,
      seqs: new Set(),
      acked: new Set(),
    };
    const handle = await open(join(this.dir, `${stem}.active`), 'wx');
    await syncDir(this.dir);
    this.files.set(stem, file);
    this.active = { file, handle };
  }

  private async removeIfDone(file: SpoolFile): Promise<void> {
    if (file.state === 'active' || file.acked.size < file.seqs.size || !this.files.has(file.stem)) return;
    this.files.delete(file.stem);
    await rm(join(this.dir, fileName(file)), { force: true });
    await rm(join(this.dir, `${file.stem}.acked`), { force: true });
  }

  private async recover(): Promise<SpoolOpenReport> {
    const report: SpoolOpenReport = { files: 0, blocks: 0, unacked: 0, quarantined: [], maxSeq: 0 };
    const names = (await readdir(this.dir)).sort();
    for (const name of names) {
      const parsed = parseSpoolName(name);
      if (!parsed) continue;
      // An .active file is what a crash left; a .reading file was being drained: both resume as .closed.
      let path = join(this.dir, name);
      if (parsed.state !== 'closed') {
        const closedPath = join(this.dir, `${parsed.stem}.closed`);
        await renameDurably(path, closedPath);
        path = closedPath;
      }
      const buf = await readFile(path);
      const decoded = decodeSegment(buf);
      if (decoded.problem) {
        const movedTo = join(this.quarantineDir, `${parsed.stem}.${decoded.problem}-tail`);
        await writeFile(movedTo, buf.subarray(decoded.validBytes));
        await writeFile(path, buf.subarray(0, decoded.validBytes));
        const record = {
          file: name,
          problem: decoded.problem,
          bytes: buf.length - decoded.validBytes,
          keptBlocks: decoded.blocks.length,
          movedTo,
        };
        report.quarantined.push(record);
        this.log.warn(record, 'damaged spool file: intact blocks kept, the rest quarantined');
      }
      const seqs = new Set(decoded.blocks.map((b) => b.blockSeq));
      const acked = await this.readAcked(parsed.stem);
      const file: SpoolFile = {
        stem: parsed.stem,
        state: 'closed',
        bytes: decoded.validBytes,
        openedAtMs: parsed.createdAtMs,
        seqs,
        acked: new Set([...acked].filter((s) => seqs.has(s))),
      };
      for (const b of decoded.blocks) report.maxSeq = Math.max(report.maxSeq, b.blockSeq);
      this.files.set(file.stem, file);
      for (const s of file.seqs) if (!file.acked.has(s)) this.fileOfSeq.set(s, file);
      report.files++;
      report.blocks += file.seqs.size;
      report.unacked += file.seqs.size - file.acked.size;
      await this.removeIfDone(file);
    }
    return report;
  }

  private async readAcked(stem: string): Promise<Set<number>> {
    try {
      const text = await readFile(join(this.dir, `${stem}.acked`), 'utf8');
      return new Set(
        text
          .split('\n')
          .map(Number)
          .filter((n) => Number.isSafeInteger(n) && n > 0),
      );
    } catch {
      return new Set();
    }
  }
}
