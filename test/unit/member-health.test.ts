import { describe, expect, it } from 'vitest';
import { assessMember, type WsrepStatus } from '../../node/replication/member-health.js';

const healthy: WsrepStatus = {
  clusterStatus: 'Primary',
  ready: 'ON',
  localState: 'Synced',
  clusterSize: 3,
  connected: 'ON',
};

describe('assessMember', () => {
  const cases: [string, Partial<WsrepStatus>, boolean, RegExp | ''][] = [
    ['Primary, ready, Synced', {}, true, ''],
    ['Primary with the peer gone (2 of 3 with garbd)', { clusterSize: 2 }, true, ''],
    ['non-Primary', { clusterStatus: 'non-Primary' }, false, /not in a Primary component.*no quorum/],
    ['disconnected', { clusterStatus: 'Disconnected', connected: 'OFF' }, false, /not connected/],
    ['not ready', { ready: 'OFF' }, false, /not ready/],
    ['a donor (feeding a rejoining member; writes go on)', { localState: 'Donor/Desynced' }, true, ''],
    ['joined, catching up', { localState: 'Joined' }, false, /Joined, not Synced/],
    ['joining', { localState: 'Joining' }, false, /Joining/],
  ];
  it.each(cases)('%s', (_name, change, writable, reason) => {
    const r = assessMember({ ...healthy, ...change });
    expect(r.writable).toBe(writable);
    if (reason) expect(r.reason).toMatch(reason);
    else expect(r.reason).toBe('');
  });
});
