import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_WATCHDOG, stalledReason } from '../../lam/stream-watchdog.js';

describe('stalledReason: when a silent DTP stream is given up', () => {
  const limits = DEFAULT_STREAM_WATCHDOG; // Welcome 5 s, Ack 15 s
  it.each([
    { welcomed: false, inFlight: 0, quietMs: 4_999, want: undefined },
    { welcomed: false, inFlight: 0, quietMs: 5_001, want: 'no Welcome within 5000 ms' },
    { welcomed: true, inFlight: 0, quietMs: 600_000, want: undefined }, // idle: nothing to wait for
    { welcomed: true, inFlight: 3, quietMs: 14_999, want: undefined },
    { welcomed: true, inFlight: 3, quietMs: 15_001, want: 'no Ack for 15000 ms with 3 blocks in flight' },
  ])('welcomed $welcomed, $inFlight in flight, quiet $quietMs ms → $want', ({ want, ...progress }) => {
    expect(stalledReason(progress, limits)).toBe(want);
  });
});
