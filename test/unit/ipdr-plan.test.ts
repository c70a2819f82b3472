import { describe, expect, it } from 'vitest';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import {
  type PlannedFile,
  planRound,
  renderPlannedFile,
  type UnplacedBlock,
} from '../../node/accounting/ipdr/plan.js';

const limits = {
  fileRotationSize: 20_000,
  fileRotationTime: 10_000,
  recorderId: 'CAM-198.18.0.100',
  version: '2.0 Tandem/test',
};
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const blocks = (n: number, from = 1, rus = 5): UnplacedBlock[] =>
  Array.from({ length: n }, (_, i) => ({
    lamId: 'App1',
    blockSeq: from + i,
    receivedAtMs: T0 + i,
    rus: syntheticBlockRus('App1', from + i, rus),
  }));

describe('planRound', () => {
  it('opens the first file at 1 and numbers records from 1, whole blocks in order', () => {
    const step = planRound('primary', null, blocks(3), T0, limits);
    expect(step.files).toHaveLength(1);
    expect(step.files[0]).toMatchObject({
      fileSeq: 1,
      firstRecordSeq: 1,
      nextRecordSeq: 16,
      closedAtMs: null,
      stem: 'IPDR_20261124@090000000',
    });
    expect(step.placements.map((p) => [p.blockSeq, p.fileSeq, p.recordSeq])).toEqual([
      [1, 1, 1],
      [2, 1, 6],
      [3, 1, 11],
    ]);
  });

  it('closes before a block would pass File Rotation Size; names stay unique and sorted in one round', () => {
    const step = planRound('primary', null, blocks(200), T0, limits);
    const files = step.files;
    expect(files.length).toBeGreaterThan(12);
    expect(files.slice(0, -1).every((f) => f.closedAtMs === T0)).toBe(true);
    expect(files.at(-1)!.closedAtMs).toBeNull();
    const stems = files.map((f) => f.stem);
    expect(new Set(stems).size).toBe(stems.length);
    expect([...stems].sort()).toEqual(stems);
    for (let i = 1; i < files.length; i++) expect(files[i]!.firstRecordSeq).toBe(files[i - 1]!.nextRecordSeq);
    // The rendered file is exactly as large as planned, and never over the limit.
    for (const f of files) {
      const placed = step.placements.filter((p) => p.fileSeq === f.fileSeq);
      const content = renderPlannedFile(
        { ...f, closedAtMs: f.closedAtMs ?? T0 },
        placed.map((p) => ({
          recordSeq: p.recordSeq,
          receivedAtMs: T0 + p.blockSeq - 1,
          rus: syntheticBlockRus('App1', p.blockSeq, 5),
        })),
        limits,
      );
      expect(Buffer.byteLength(content)).toBeLessThanOrEqual(limits.fileRotationSize);
    }
  });

  it('closes an open file once File Rotation Time has passed, and opens the next one for new blocks', () => {
    const first = planRound('recovery', null, blocks(2), T0, limits).files[0]!;
    const idle = planRound('recovery', first, [], T0 + 9_999, limits);
    expect(idle.files).toEqual([]);
    const later = planRound('recovery', first, blocks(1, 3), T0 + 10_000, limits);
    expect(later.files.map((f) => [f.fileSeq, f.closedAtMs])).toEqual([
      [1, T0 + 10_000],
      [2, null],
    ]);
    expect(later.placements).toEqual([{ lamId: 'App1', blockSeq: 3, fileSeq: 2, recordSeq: 11 }]);
  });

  it('a block larger than the size limit gets a file of its own', () => {
    const big = blocks(1, 1, 20).map((b) => ({
      ...b,
      rus: b.rus.map((r) => ({ ...r, oUA: 'x'.repeat(2000) })),
    }));
    const step = planRound('primary', null, [...blocks(1, 5), ...big, ...blocks(1, 9)], T0, limits);
    expect(step.placements.map((p) => p.fileSeq)).toEqual([1, 2, 3]);
  });

  it('names never go backwards when a new owner’s clock is behind', () => {
    const prev: PlannedFile = {
      series: 'primary',
      fileSeq: 7,
      stem: 'IPDR_20261124@090000500',
      openedAtMs: T0 + 500,
      firstRecordSeq: 1,
      nextRecordSeq: 10,
      bytes: 100,
      closedAtMs: T0 + 600,
    };
    const step = planRound('primary', prev, blocks(1), T0, limits);
    expect(step.files[0]!.stem > prev.stem).toBe(true);
    expect(step.files[0]!.fileSeq).toBe(8);
  });
});
