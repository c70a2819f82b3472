import { describe, expect, it } from 'vitest';
import { formatEvents, formatStatus } from '../../ops/status-format.js';

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

  it('shows each watched partition and the RAID arrays', () => {
    const text = formatStatus({
      disks: [{ what: 'accounting partition (/billing/CAM/accounting)', usedPercent: 41.2 }],
      raid: {
        arrays: [
          { name: 'md0', health: 'clean', text: 'md0 raid1 [2/2] clean' },
          { name: 'md1', health: 'rebuilding', text: 'md1 raid5 [4/3] rebuilding, recovery 22.4%' },
        ],
      },
    });
    expect(text).toContain('disk        accounting partition (/billing/CAM/accounting): 41.2% used\n');
    expect(text).toContain('RAID        md0 raid1 [2/2] clean; md1 raid5 [4/3] rebuilding, recovery 22.4%\n');
    expect(formatStatus({ raid: { arrays: [] } })).toContain('RAID        no arrays in mdstat');
    expect(formatStatus({ raid: null })).not.toContain('RAID');
    expect(
      formatStatus({ node: { id: 'cam-a', version: '1', profile: 'netra-t1400', uptimeS: 3 } }),
    ).toContain('node        cam-a  (tandem 1, profile netra-t1400, up 3 s)');
  });

  it('shows FTP push and TCP feed backlog, last success and the current error', () => {
    const text = formatStatus({
      node: { id: 'cam-a' },
      accepting: true,
      active: true,
      delivery: {
        ftp: {
          target: 'ftp://oss@198.18.0.9:21 (TLS explicit)',
          backlogFiles: 4,
          deliveredFiles: 10,
          lastSuccessAt: '2026-11-24T08:00:00.000Z',
          lastError: 'login failed: FTP 530: Login incorrect.',
          failingSince: '2026-11-24T08:01:00.000Z',
        },
        feed: [
          {
            series: 'primary',
            target: '198.18.0.9:9000',
            connected: true,
            writtenThrough: 120,
            confirmedThrough: 100,
            backlogRecords: 20,
            lastSuccessAt: '2026-11-24T08:00:00.000Z',
            lastError: null,
            failingSince: null,
          },
        ],
      },
    });
    expect(text).toContain(
      'FTP push    ftp://oss@198.18.0.9:21 (TLS explicit): 4 files waiting, 10 delivered, last success 2026-11-24T08:00:00.000Z; FAILING since 2026-11-24T08:01:00.000Z: login failed: FTP 530: Login incorrect.',
    );
    expect(text).toContain(
      'TCP feed    primary → 198.18.0.9:9000: connected, written 120, confirmed 100, 20 records waiting\n',
    );
    expect(text).not.toContain('standby');
  });

  it('shows the role, the peer, the logical IP and the own Galera member of a pair node', () => {
    const text = formatStatus({
      node: { id: 'cam-b' },
      accepting: false,
      refusal: 'not the active node (standby: cam-a holds the lease)',
      role: {
        role: 'standby',
        acking: false,
        reason: 'standby: cam-a holds the lease',
        since: '2026-11-24T08:00:00.000Z',
        maintenance: false,
        preferred: 'cam-a',
        lease: { owner: 'cam-a', epoch: 7, expiresInMs: 1200 },
      },
      peer: {
        id: 'cam-a',
        address: '198.18.0.1:7610',
        alive: false,
        lastBeatAgoMs: 5000,
        lastBeat: null,
        lastError: 'deadline exceeded',
      },
      vip: { driver: 'keepalived', address: '198.18.0.100/24', interface: 'eth0' },
      galera: {
        managed: true,
        state: 'down',
        decision: { action: 'wait', why: 'the peer cannot be asked: it may hold a Primary component' },
      },
    });
    expect(text).toContain(
      'role        STANDBY since 2026-11-24T08:00:00.000Z — standby: cam-a holds the lease; lease cam-a epoch 7, expires in 1200 ms; preferred cam-a',
    );
    expect(text).toContain('peer        cam-a at 198.18.0.1:7610: NO HEARTBEAT (deadline exceeded)');
    expect(text).toContain('logical IP  198.18.0.100/24 via keepalived on eth0');
    expect(text).toContain(
      'galera      own member down — wait: the peer cannot be asked: it may hold a Primary component',
    );
  });
});

describe('formatEvents', () => {
  it.each([
    [
      {
        enabled: true,
        connected: true,
        server: '127.0.0.1:4222',
        published: 12,
        dropped: 0,
        buffered: 0,
        lastError: '',
      },
      'connected to 127.0.0.1:4222, 12 published, 0 waiting, 0 dropped',
    ],
    [
      {
        enabled: true,
        connected: false,
        server: null,
        published: 3,
        dropped: 7,
        buffered: 10,
        lastError: 'CONNECTION_REFUSED',
      },
      'NOT connected (CONNECTION_REFUSED), 3 published, 10 waiting, 7 dropped',
    ],
  ])('%j → %s', (status, line) => {
    expect(formatEvents(status)).toBe(line);
    expect(formatStatus({ events: status })).toContain(`events      ${line}`);
  });

  it("shows the peer's release, and why it may not run beside this one", () => {
    const text = formatStatus({
      node: { id: 'cam-a' },
      accepting: true,
      peer: {
        id: 'cam-b',
        address: '198.18.0.2:7610',
        alive: true,
        lastBeatAgoMs: 40,
        lastBeat: { role: 'standby', db_writable: true, reason: 'standby', version: '0.3.0' },
        lastError: null,
        versionProblem: 'cam-b runs 0.3.0, this node 0.1.0: more than one release apart',
      },
    });
    expect(text).toContain(
      'peer        cam-b at 198.18.0.2:7610: standby, 0.3.0 (beat 40 ms ago) — INCOMPATIBLE: cam-b runs 0.3.0, this node 0.1.0: more than one release apart',
    );
  });
});
