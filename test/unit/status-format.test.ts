import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../ops/status-format.js';

describe('formatStatus', () => {
  it('shows refusal, database state, streams and alarms', () => {
    const text = formatStatus({
      node: { id: 'cam-a', version: '0.1.0', uptimeS: 12 },
      accepting: false,
      refusal: 'database member is not in a Primary component',
      database: { writable: false, clusterStatus: 'non-Primary', clusterSize: 1, localState: 'Initialized' },
      listeners: { host: '198.18.0.100', primaryPort: 17667, recoveryPort: 17668 },
      ingest: { blocksStored: 10, blocksDuplicate: 1, rusStored: 200, batches: 3, queued: 0 },
      dtp: {
        streams: [
          { lamId: 'App1', stream: 'primary', peer: 'ipv4:198.18.0.5:40000', blocksAcked: 10, inFlight: 2 },
        ],
      },
      alarms: [
        {
          name: 'DatabaseNotWritable',
          severity: 'critical',
          reason: 'no quorum',
          raisedAt: '2026-11-24T08:00:00.000Z',
        },
      ],
    });
    expect(text).toContain('accepting   NO — database member is not in a Primary component');
    expect(text).toContain('database    NOT writable  (non-Primary, size 1, Initialized)');
    expect(text).toContain('listeners   198.18.0.100:17667 primary, 198.18.0.100:17668 recovery');
    expect(text).toContain('  App1 primary from ipv4:198.18.0.5:40000: 10 acked, 2 in flight');
    expect(text).toContain('  CRITICAL DatabaseNotWritable: no quorum (since 2026-11-24T08:00:00.000Z)');
  });
});
