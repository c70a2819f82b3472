import { describe, expect, it } from 'vitest';
import { parseSpoolName, shouldRotate, spoolStem } from '../../lam/spool-names.js';

describe('spool file names', () => {
  const ms = Date.UTC(2001, 2, 9, 14, 17, 0, 43);
  it('follow RUblocks_<yyyymmdd>@<hhmmssmmm> in UTC (the seed example, 3-digit ms)', () => {
    expect(spoolStem(ms)).toBe('RUblocks_20010309@141700043');
    expect(spoolStem(ms, 2)).toBe('RUblocks_20010309@141700043-002');
  });
  it.each(['active', 'closed', 'reading'] as const)('parse back with state %s', (state) => {
    expect(parseSpoolName(`RUblocks_20010309@141700043.${state}`)).toEqual({
      stem: 'RUblocks_20010309@141700043',
      state,
      createdAtMs: ms,
    });
  });
  it.each([
    'RUblocks_20010309@141700043.acked',
    'IPDR_20010309@141700043.closed',
    'RUblocks_2001039@141700043.closed',
    'lam-state.json',
  ])('ignore %s', (name) => {
    expect(parseSpoolName(name)).toBeUndefined();
  });
  it('sort by time as text', () => {
    const names = [spoolStem(ms + 1000), spoolStem(ms), spoolStem(ms + 10)];
    expect([...names].sort()).toEqual([spoolStem(ms), spoolStem(ms + 10), spoolStem(ms + 1000)]);
  });
});

describe('shouldRotate (Table 3: first of size or time; 0 disables)', () => {
  const limits = { fileRotationSize: 1000, fileRotationTime: 5 };
  const cases: [string, number, number, typeof limits, boolean][] = [
    ['empty file never rotates', 0, 60_000, limits, false],
    ['below both limits', 999, 4_999, limits, false],
    ['size reached', 1000, 0, limits, true],
    ['time reached', 1, 5_000, limits, true],
    ['size disabled', 10_000, 1_000, { fileRotationSize: 0, fileRotationTime: 5 }, false],
    ['time disabled', 10, 3_600_000, { fileRotationSize: 1000, fileRotationTime: 0 }, false],
  ];
  it.each(cases)('%s', (_n, bytes, age, l, expected) => {
    expect(shouldRotate({ bytes, openedAtMs: 1_000_000 }, 1_000_000 + age, l)).toBe(expected);
  });
});
