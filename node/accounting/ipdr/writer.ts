/**
 * Writes IPDR accounting files into one directory (Primary or Recovery):
 * `IPDR_<date>@<time>.active` while open → `.closed` → `.closed.zip` when File Compression is on.
 * Rotation by File Rotation Size (bytes; a file never grows past it unless one record alone is
 * larger) or File Rotation Time (ms), whichever comes first. Every rename follows an fsync of the
 * file and is followed by an fsync of the directory. Accounting files are never deleted; with
 * compression the plain `.closed` copy is removed only after its `.zip` is durable.
 *
 * Time is passed in (`nowMs`), never read from the clock, so the same input renders the same files.
 */

import { mkdirSync } from 'node:fs';
import { type FileHandle, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir, writeFileDurably } from '../../../kernel/durable-fs.js';
import { timestampedStem } from '../../../kernel/file-names.js';
import type { RecordingUnit } from '../../../proto/ru.js';
import { ipdrTime, MAX_END_BYTES, renderDocumentEnd, renderDocumentStart, zipDocument } from './document.js';
import { renderRecord } from './record.js';

export interface IpdrWriterOptions {
  dir: string;
  recorderId: string;
  version: string;
  fileRotationSize: number;
  fileRotationTime: number;
  compress: boolean;
  /** IPDRDoc@seqNum of the next file and IPDR@seqNum of the next record. */
  nextFileSeq?: number;
  nextRecordSeq?: number;
}

interface OpenFile {
  stem: string;
  handle: FileHandle;
  openedAtMs: number;
  bytes: number;
  records: number;
}

export interface ClosedFile {
  name: string;
  records: number;
  fileSeq: number;
}

async function exists(dir: string, stem: string): Promise<boolean> {
  const names = await readdir(dir);
  return names.some((n) => n.startsWith(`${stem}.`));
}

export class IpdrFileWriter {
  private current: OpenFile | undefined;
  private fileSeq: number;
  private recordSeq: number;
  readonly closed: ClosedFile[] = [];

  constructor(private readonly opts: IpdrWriterOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.fileSeq = opts.nextFileSeq ?? 1;
    this.recordSeq = opts.nextRecordSeq ?? 1;
  }

  async append(ru: RecordingUnit, nowMs: number): Promise<void> {
    await this.rotateIfDue(nowMs);
    const record = renderRecord(ru, { seqNum: this.recordSeq, time: ipdrTime(nowMs) });
    const bytes = Buffer.byteLength(record);
    const limit = this.opts.fileRotationSize;
    if (
      this.current &&
      limit > 0 &&
      this.current.records > 0 &&
      this.current.bytes + bytes + MAX_END_BYTES > limit
    ) {
      await this.close(nowMs);
    }
    if (!this.current) await this.openFile(nowMs);
    const file = this.current!;
    await file.handle.write(record);
    file.bytes += bytes;
    file.records++;
    this.recordSeq++;
  }

  /** Closes the open file if its File Rotation Time has passed. */
  async rotateIfDue(nowMs: number): Promise<void> {
    const f = this.current;
    if (f && this.opts.fileRotationTime > 0 && nowMs - f.openedAtMs >= this.opts.fileRotationTime)
      await this.close(nowMs);
  }

  /** Ends the open file: IPDRDoc.End, fsync, `.active` → `.closed` (→ `.closed.zip`). */
  async close(nowMs: number): Promise<ClosedFile | undefined> {
    const f = this.current;
    if (!f) return undefined;
    this.current = undefined;
    await f.handle.write(renderDocumentEnd({ count: f.records, endTime: ipdrTime(nowMs) }));
    await f.handle.sync();
    await f.handle.close();
    const { dir } = this.opts;
    await rename(join(dir, `${f.stem}.active`), join(dir, `${f.stem}.closed`));
    await syncDir(dir);
    let name = `${f.stem}.closed`;
    if (this.opts.compress) {
      const zip = await zipDocument(f.stem, await readFile(join(dir, name)), nowMs);
      await writeFileDurably(join(dir, `${f.stem}.closed.zip`), zip);
      await syncDir(dir);
      await rm(join(dir, name)); // the content lives on, durable, in the .zip
      name = `${f.stem}.closed.zip`;
    }
    const closed = { name, records: f.records, fileSeq: this.fileSeq - 1 };
    this.closed.push(closed);
    return closed;
  }

  private async openFile(nowMs: number): Promise<void> {
    // Never overwrite an accounting file: a name in use (same millisecond) gets a -N suffix.
    let stem = '';
    let handle: FileHandle | undefined;
    for (let i = 0; !handle; i++) {
      stem = timestampedStem('IPDR', nowMs, i);
      if (this.closed.some((c) => c.name.startsWith(`${stem}.`)) || (await exists(this.opts.dir, stem)))
        continue;
      handle = await open(join(this.opts.dir, `${stem}.active`), 'wx');
    }
    const head = renderDocumentStart({
      seqNum: this.fileSeq++,
      version: this.opts.version,
      recorderId: this.opts.recorderId,
      startTime: ipdrTime(nowMs),
    });
    await handle.write(head);
    this.current = { stem, handle, openedAtMs: nowMs, bytes: Buffer.byteLength(head), records: 0 };
  }
}
