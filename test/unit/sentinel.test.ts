import { describe, expect, it } from 'vitest';
import { type SentinelView, sentinelVerdict } from '../../node/vip/sentinel.js';

const base: SentinelView = { nowMs: 10_000, deadlineMs: 10_500, nodeAlive: true };

describe('sentinelVerdict (keepalived sentinel)', () => {
  it.each<[string, Partial<SentinelView>, { track: string; exit: boolean }]>([
    ['the node renewed its claim in time', {}, { track: '0', exit: false }],
    ['exactly at the deadline', { nowMs: 10_500 }, { track: '0', exit: false }],
    ['the deadline passed (node frozen)', { nowMs: 10_501 }, { track: '1', exit: false }],
    ['the deadline file is unreadable', { deadlineMs: Number.NaN }, { track: '1', exit: false }],
    ['the node process is gone', { nodeAlive: false }, { track: '1', exit: true }],
  ])('%s', (_what, change, expected) => {
    expect(sentinelVerdict({ ...base, ...change })).toEqual(expected);
  });
});
