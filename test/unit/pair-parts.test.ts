import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../node/api/admin-server.js';
import { renderKeepalivedConfig } from '../../node/vip/keepalived-config.js';

describe('keepalived.conf for the logical IP', () => {
  const conf = renderKeepalivedConfig({
    nodeId: 'cam-a',
    interface: 'eth0',
    virtualRouterId: 51,
    priority: 100,
    advertIntervalS: 0.1,
    sourceIp: '198.18.0.1',
    peerIp: '198.18.0.2',
    logicalIp: '198.18.0.100',
    prefixLength: 24,
    trackFile: '/var/lib/tandem/keepalived/role',
    sentinelTrackFile: '/var/lib/tandem/keepalived/sentinel',
  });
  it.each([
    ['VRRPv3 (sub-second adverts need it)', 'vrrp_version 3'],
    ['0.1 s adverts', 'advert_int 0.1'],
    ['both nodes BACKUP, no preemption', 'state BACKUP\n  nopreempt'],
    ['unicast to the peer', 'unicast_src_ip 198.18.0.1\n  unicast_peer {\n    198.18.0.2\n  }'],
    ['the logical IP on the interface', '198.18.0.100/24 dev eth0'],
    [
      'the role manager drives it through a weight-0 track file',
      'file "/var/lib/tandem/keepalived/role"\n  weight 0',
    ],
    [
      'the sentinel faults a frozen or dead node through its own track file',
      'file "/var/lib/tandem/keepalived/sentinel"\n  weight 0',
    ],
    ['FAULT while either file says so', 'track_file {\n    tandem_role\n    tandem_sentinel\n  }'],
  ])('%s', (_what, text) => {
    expect(conf).toContain(text);
  });
});

describe('admin command requests', () => {
  it.each<[string, unknown, unknown]>([
    ['switchover', { to: 'cam-b' }, { command: { kind: 'switchover', to: 'cam-b' } }],
    ['switchover', {}, { command: { kind: 'switchover', to: '' } }],
    ['failover', undefined, { command: { kind: 'failover' } }],
    ['restore', {}, { command: { kind: 'restore' } }],
    ['maintenance', { on: false }, { command: { kind: 'maintenance', on: false } }],
    [
      'switchover',
      { to: 'cam b;rm' },
      { error: 'to: "cam b;rm" is not a node id; allowed: the peer\'s node.id' },
    ],
    ['switchover', { to: 7 }, { error: "to: 7 is not a node id; allowed: the peer's node.id" }],
    ['maintenance', {}, { error: 'on: undefined; allowed: true or false' }],
    ['maintenance', [], { error: 'body: must be a JSON object' }],
    [
      'reboot',
      {},
      { error: 'unknown command "reboot"; allowed: switchover, failover, restore, maintenance' },
    ],
  ])('%s %j', (name, body, expected) => {
    expect(parseCommand(name, body)).toEqual(expected);
  });
});
