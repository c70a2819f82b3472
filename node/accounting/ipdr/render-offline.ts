/**
 * `tandem ipdr render`: RUs from a JSON-lines file into IPDR files, through the CAM's own code: the
 * planner (plan.ts) places each RU, closes files by size and time, and the files are rendered
 * (renderPlannedFile) and written (file-output.ts) exactly as the CAM does, over an in-memory
 * source instead of the ledger. The RU's recTime serves as the clock (record time, rotation time,
 * file names), so the same input always renders the same files.
 */
import { mkdirSync } from 'node:fs';
import { timestampedStem } from '../../../kernel/file-names.js';
import type { RecordingUnit } from '../../../proto/ru.js';
import { recorderId } from './document.js';
import { stemInUse, writeClosedFile } from './file-output.js';
import { type PlacedBlock, type PlanLimits, type PlannedFile, planRound, renderPlannedFile } from './plan.js';

export interface OfflineRenderOptions {
  outDir: string;
  camIpAddress: string;
  version: string;
  compress: boolean;
  fileRotationSize: number;
  fileRotationTime: number;
}

export interface ClosedFile {
  name: string;
  records: number;
  fileSeq: number;
}

export async function renderOffline(rus: RecordingUnit[], opts: OfflineRenderOptions): Promise<ClosedFile[]> {
  mkdirSync(opts.outDir, { recursive: true });
  const limits: PlanLimits = {
    fileRotationSize: opts.fileRotationSize,
    fileRotationTime: opts.fileRotationTime,
    recorderId: recorderId(opts.camIpAddress),
    version: opts.version,
  };
  // Planning: one round per RU at its clock, as the CAM's planner would see them arrive.
  const files = new Map<number, PlannedFile>();
  const blocksOf = new Map<number, PlacedBlock[]>();
  let last: PlannedFile | null = null;
  let clock = 0;
  rus.forEach((ru, i) => {
    // Never let the clock run backwards (recTimes need not be ordered).
    clock = Math.max(clock, Date.parse(ru.recTime));
    const step = planRound(
      'primary',
      last,
      [{ lamId: '', blockSeq: i + 1, receivedAtMs: clock, rus: [ru] }],
      clock,
      limits,
    );
    for (const f of step.files) files.set(f.fileSeq, f);
    for (const p of step.placements) {
      const list = blocksOf.get(p.fileSeq) ?? [];
      list.push({ recordSeq: p.recordSeq, receivedAtMs: clock, rus: [ru] });
      blocksOf.set(p.fileSeq, list);
    }
    last = step.files.at(-1) ?? last;
  });
  const open = last as PlannedFile | null;
  if (open && open.closedAtMs === null) files.set(open.fileSeq, { ...open, closedAtMs: clock });

  const closed: ClosedFile[] = [];
  for (const f of [...files.values()].sort((a, b) => a.fileSeq - b.fileSeq)) {
    // A directory rendered into before keeps its files: a stem in use gets the next free suffix.
    let stem = f.stem;
    for (let n = 1; await stemInUse(opts.outDir, stem); n++) stem = timestampedStem('IPDR', f.openedAtMs, n);
    const blocks = blocksOf.get(f.fileSeq) ?? [];
    const content = renderPlannedFile(f, blocks, limits);
    const name = await writeClosedFile(
      opts.outDir,
      { stem, closedAtMs: f.closedAtMs! },
      content,
      opts.compress,
    );
    closed.push({ name, records: blocks.length, fileSeq: f.fileSeq });
  }
  return closed;
}
