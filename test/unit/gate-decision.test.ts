import { describe, expect, it } from 'vitest';
import { type GateFacts, gateReadiness, gateRefusal } from '../../node/accounting/gate-decision.js';

const open: GateFacts = {
  stopping: false,
  member: { writable: true, reason: '' },
  replayPending: false,
  listen: { failures: 0, retryAtMs: 0, error: '' },
  ownership: undefined,
  nowMs: 10_000,
};
const listenFailed = { failures: 2, retryAtMs: 12_000, error: 'EADDRINUSE 198.18.0.100:5000' };

describe('ingest gate: accept, refuse, ready', () => {
  it.each<[string, Partial<GateFacts>, string | undefined, string]>([
    ['all well: accepts, ready', {}, undefined, ''],
    [
      'standby: refuses with the lease reason, still ready',
      { ownership: 'standby: cam-a is active' },
      'standby: cam-a is active',
      '',
    ],
    [
      'shutting down wins over everything',
      { stopping: true, member: { writable: false, reason: 'x' }, ownership: 'y' },
      'CAM is shutting down',
      'CAM is shutting down',
    ],
    [
      'member not writable: its reason',
      { member: { writable: false, reason: 'member is Donor/Desynced' } },
      'member is Donor/Desynced',
      'member is Donor/Desynced',
    ],
    [
      'member before replay',
      { member: { writable: false, reason: 'non-Primary' }, replayPending: true },
      'non-Primary',
      'non-Primary',
    ],
    [
      'replay due',
      { replayPending: true },
      'CAM is replaying its journal into the ledger',
      'CAM is replaying its journal into the ledger',
    ],
    [
      'replay failed once: the error is named',
      { replayPending: true, replayError: 'database did not answer within 5000 ms' },
      'CAM is replaying its journal into the ledger (last attempt: database did not answer within 5000 ms)',
      'CAM is replaying its journal into the ledger (last attempt: database did not answer within 5000 ms)',
    ],
    [
      'listeners failed, before the retry: refused and not ready',
      { listen: listenFailed },
      'DTP listeners could not be opened: EADDRINUSE 198.18.0.100:5000',
      'DTP listeners could not be opened: EADDRINUSE 198.18.0.100:5000',
    ],
    [
      'listeners failed, retry time passed: still refused, ready to take the role',
      { listen: listenFailed, nowMs: 12_000 },
      'DTP listeners could not be opened: EADDRINUSE 198.18.0.100:5000',
      '',
    ],
    [
      'listener failure before the lease reason',
      { listen: listenFailed, ownership: 'standby' },
      'DTP listeners could not be opened: EADDRINUSE 198.18.0.100:5000',
      'DTP listeners could not be opened: EADDRINUSE 198.18.0.100:5000',
    ],
  ])('%s', (_, facts, refusal, notReadyReason) => {
    const f = { ...open, ...facts };
    expect(gateRefusal(f)).toBe(refusal);
    expect(gateReadiness(f)).toEqual(
      notReadyReason ? { ready: false, reason: notReadyReason } : { ready: true, reason: '' },
    );
  });
});
