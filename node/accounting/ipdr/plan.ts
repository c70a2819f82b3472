/**
 * File planning for IPDR series (pure). The node that owns the ingest places every ledger block of a
 * series into a file once: file number, the block's first record number, and when each file closes.
 * The placement is stored in the replicated ledger, so every node renders byte-identical files.
 *
 * Rules: blocks are placed in ledger order, whole (a block's RUs never straddle two files). A file
 * closes before a block that would take it past File Rotation Size (unless the file is still empty),
 * or once File Rotation Time has passed since it opened (decided by the owner's clock, recorded).
 */

import type { Series } from '../../../kernel/block.js';
import { timestampedStem } from '../../../kernel/file-names.js';
import type { RecordingUnit } from '../../../proto/ru.js';
import { ipdrTime, MAX_END_BYTES, renderDocumentEnd, renderDocumentStart } from './document.js';
import { renderRecord } from './record.js';

export interface PlannedFile {
  series: Series;
  fileSeq: number;
  stem: string;
  openedAtMs: number;
  firstRecordSeq: number;
  nextRecordSeq: number;
  /** Rendered size so far, envelope head included. */
  bytes: number;
  closedAtMs: number | null;
}

export interface UnplacedBlock {
  lamId: string;
  blockSeq: number;
  receivedAtMs: number;
  rus: RecordingUnit[];
}

export interface Placement {
  lamId: string;
  blockSeq: number;
  fileSeq: number;
  recordSeq: number;
}

export interface PlanLimits {
  fileRotationSize: number;
  fileRotationTime: number;
  recorderId: string;
  version: string;
}

export function headBytes(f: Pick<PlannedFile, 'fileSeq' | 'openedAtMs'>, limits: PlanLimits): number {
  return Buffer.byteLength(
    renderDocumentStart({
      seqNum: f.fileSeq,
      version: limits.version,
      recorderId: limits.recorderId,
      startTime: ipdrTime(f.openedAtMs),
    }),
  );
}

export function blockBytes(block: UnplacedBlock, firstRecordSeq: number): number {
  let bytes = 0;
  block.rus.forEach((ru, i) => {
    bytes += Buffer.byteLength(
      renderRecord(ru, { seqNum: firstRecordSeq + i, time: ipdrTime(block.receivedAtMs) }),
    );
  });
  return bytes;
}

export interface PlanStep {
  /** Files to write back: changed or new (closedAtMs set when closed in this step). */
  files: PlannedFile[];
  placements: Placement[];
}

/**
 * One planning round for one series: `last` is the series' newest file (open or closed) or null.
 * Returns the files touched and the placements made. Pure: `nowMs` is the owner's clock.
 */
export function planRound(
  series: Series,
  last: PlannedFile | null,
  blocks: readonly UnplacedBlock[],
  nowMs: number,
  limits: PlanLimits,
): PlanStep {
  const touched = new Map<number, PlannedFile>();
  const placements: Placement[] = [];
  let current: PlannedFile | null = last ? { ...last } : null;

  const close = (f: PlannedFile) => {
    f.closedAtMs = nowMs;
    touched.set(f.fileSeq, f);
  };
  const open = (prev: PlannedFile | null): PlannedFile => {
    // Names must be unique and sort in file order, even when the clock stands still (several files
    // closed by size in one round) or steps back (a new owner with a slower clock).
    const stemMs = Math.max(nowMs, prev?.openedAtMs ?? 0);
    const base = timestampedStem('IPDR', stemMs);
    let stem = base;
    if (prev && (prev.stem === base || prev.stem.startsWith(`${base}-`))) {
      const suffix = prev.stem === base ? 0 : Number(prev.stem.slice(base.length + 1));
      stem = timestampedStem('IPDR', stemMs, suffix + 1);
    }
    const f: PlannedFile = {
      series,
      fileSeq: (prev?.fileSeq ?? 0) + 1,
      stem,
      openedAtMs: stemMs,
      firstRecordSeq: prev?.nextRecordSeq ?? 1,
      nextRecordSeq: prev?.nextRecordSeq ?? 1,
      bytes: 0,
      closedAtMs: null,
    };
    f.bytes = headBytes(f, limits);
    touched.set(f.fileSeq, f);
    return f;
  };

  if (
    current &&
    current.closedAtMs === null &&
    limits.fileRotationTime > 0 &&
    nowMs - current.openedAtMs >= limits.fileRotationTime
  ) {
    close(current);
  }
  for (const block of blocks) {
    if (!current || current.closedAtMs !== null) current = open(current);
    let size = blockBytes(block, current.nextRecordSeq);
    const hasRecords = current.nextRecordSeq > current.firstRecordSeq;
    if (
      limits.fileRotationSize > 0 &&
      hasRecords &&
      current.bytes + size + MAX_END_BYTES > limits.fileRotationSize
    ) {
      close(current);
      current = open(current);
      size = blockBytes(block, current.nextRecordSeq);
    }
    placements.push({
      lamId: block.lamId,
      blockSeq: block.blockSeq,
      fileSeq: current.fileSeq,
      recordSeq: current.nextRecordSeq,
    });
    current.nextRecordSeq += block.rus.length;
    current.bytes += size;
    touched.set(current.fileSeq, current);
  }
  return { files: [...touched.values()].sort((a, b) => a.fileSeq - b.fileSeq), placements };
}

export interface PlacedBlock {
  recordSeq: number;
  receivedAtMs: number;
  rus: RecordingUnit[];
}

/** The exact bytes of a planned file: the same on every node that has the same ledger rows. */
export function renderPlannedFile(
  file: PlannedFile,
  blocks: readonly PlacedBlock[],
  limits: PlanLimits,
): string {
  const parts = [
    renderDocumentStart({
      seqNum: file.fileSeq,
      version: limits.version,
      recorderId: limits.recorderId,
      startTime: ipdrTime(file.openedAtMs),
    }),
  ];
  let count = 0;
  for (const b of [...blocks].sort((x, y) => x.recordSeq - y.recordSeq)) {
    b.rus.forEach((ru, i) => {
      parts.push(renderRecord(ru, { seqNum: b.recordSeq + i, time: ipdrTime(b.receivedAtMs) }));
      count++;
    });
  }
  if (file.closedAtMs !== null) parts.push(renderDocumentEnd({ count, endTime: ipdrTime(file.closedAtMs) }));
  return parts.join('');
}
