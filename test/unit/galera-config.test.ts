import { describe, expect, it } from 'vitest';
import {
  clusterAddress,
  FAST_EVS_OPTIONS,
  type GaleraClusterLayout,
  garbdArgs,
  parseRecoveredPosition,
  renderMemberConfig,
} from '../../node/replication/galera-config.js';

const member = (name: string, base: number) => ({
  name,
  host: '127.0.0.1',
  sqlPort: base,
  groupPort: base + 10,
  istPort: base + 11,
  sstPort: base + 12,
  dataDir: `/d/${name}`,
  socket: `/d/${name}.sock`,
  pidFile: `/d/${name}.pid`,
  errorLog: `/d/${name}.err`,
});
const layout: GaleraClusterLayout = {
  clusterName: 'tandem',
  members: [member('a', 3300), member('b', 3400)],
  arbitrator: { host: '127.0.0.1', groupPort: 3500 },
  fastEviction: true,
  gcacheSize: '64M',
  bufferPoolSize: '64M',
  osUser: 'mysql',
};

describe('Galera member configuration', () => {
  const cnf = renderMemberConfig(layout, layout.members[1]!);
  it('lists both members and the arbitrator in the cluster address', () => {
    expect(clusterAddress(layout)).toBe('gcomm://127.0.0.1:3310,127.0.0.1:3410,127.0.0.1:3500');
  });
  it.each([
    'innodb_flush_log_at_trx_commit=1',
    'binlog_format=ROW',
    'innodb_autoinc_lock_mode=2',
    'wsrep_on=ON',
    'wsrep_node_address=127.0.0.1:3410',
    'wsrep_sst_receive_address=127.0.0.1:3412',
    'port=3400',
    'sst-syslog=-1',
    'innodb_buffer_pool_size=64M',
  ])('contains %s', (line) => {
    expect(cnf.split('\n')).toContain(line);
  });
  it("sizes the buffer pool and the gcache from the layout (a profile's galera.bufferPoolMb / gcacheMb)", () => {
    const big = renderMemberConfig(
      { ...layout, bufferPoolSize: '1024M', gcacheSize: '2048M' },
      layout.members[0]!,
    );
    expect(big).toContain('innodb_buffer_pool_size=1024M\n');
    expect(big).toContain('gcache.size=2048M;');
  });
  it('binds group and IST to the member address and carries the fast EVS timeouts', () => {
    const opts = /wsrep_provider_options="([^"]+)"/.exec(cnf)![1]!.split(';');
    expect(opts).toEqual([
      'gmcast.listen_addr=tcp://127.0.0.1:3410',
      'ist.recv_addr=127.0.0.1:3411',
      'gcache.size=64M',
      ...FAST_EVS_OPTIONS,
    ]);
  });
  it('garbd joins both members with the same timeouts', () => {
    expect(garbdArgs(layout)).toEqual([
      '--address',
      'gcomm://127.0.0.1:3310,127.0.0.1:3410',
      '--group',
      'tandem',
      '--options',
      ['gmcast.listen_addr=tcp://127.0.0.1:3500', ...FAST_EVS_OPTIONS].join(';'),
    ]);
  });
});

describe('Galera with TLS', () => {
  const files = (who: string) => ({
    caFile: `/t/ca.crt`,
    certFile: `/t/${who}.crt`,
    keyFile: `/t/${who}.key`,
  });
  const tlsLayout: GaleraClusterLayout = {
    ...layout,
    members: [{ ...member('a', 3300), tls: files('a') }, member('b', 3400)],
    arbitrator: { ...layout.arbitrator, tls: files('w') },
  };
  const lines = renderMemberConfig(tlsLayout, tlsLayout.members[0]!).split('\n');
  const section = (name: string) => {
    const start = lines.indexOf(`[${name}]`);
    const end = lines.findIndex((l, i) => i > start && l.startsWith('['));
    return lines.slice(start, end === -1 ? undefined : end);
  };
  const ssl = ['socket.ssl=YES', 'socket.ssl_ca=/t/ca.crt'];
  it('replication and IST: socket.ssl with the member certificate', () => {
    const opts = /wsrep_provider_options="([^"]+)"/.exec(lines.join('\n'))![1]!.split(';');
    expect(opts).toEqual(
      expect.arrayContaining([...ssl, 'socket.ssl_cert=/t/a.crt', 'socket.ssl_key=/t/a.key']),
    );
  });
  it.each([
    ['mysqld', 'ssl_ca=/t/ca.crt'],
    ['mysqld', 'ssl_cert=/t/a.crt'],
    ['mysqld', 'ssl_key=/t/a.key'],
    ['mysqld', 'require_secure_transport=ON'],
    ['sst', 'tca=/t/ca.crt'],
    ['sst', 'tcert=/t/a.crt'],
    ['sst', 'tkey=/t/a.key'],
    ['sst', 'ssl-mode=VERIFY_CA'],
  ])('[%s] has %s', (name, line) => {
    expect(section(name)).toContain(line);
  });
  it('a member without TLS files renders none of it', () => {
    const plain = renderMemberConfig(tlsLayout, tlsLayout.members[1]!);
    expect(plain).not.toMatch(/ssl|tca=|tcert=/);
  });
  it('garbd uses its own certificate', () => {
    const opts = garbdArgs(tlsLayout).at(-1)!.split(';');
    expect(opts).toEqual(
      expect.arrayContaining([...ssl, 'socket.ssl_cert=/t/w.crt', 'socket.ssl_key=/t/w.key']),
    );
    expect(garbdArgs(layout).at(-1)).not.toMatch(/ssl/);
  });
});

describe('parseRecoveredPosition', () => {
  it('takes the last recovered position from the log', () => {
    const log = [
      '2026-11-24  8:00:00 0 [Note] WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:-1',
      '2026-11-24  8:00:01 0 [Note] WSREP: Recovered position: 5f1c2d3e-aaaa-11ef-8bcd-0242ac120002:1234',
    ].join('\n');
    expect(parseRecoveredPosition(log)).toBe('5f1c2d3e-aaaa-11ef-8bcd-0242ac120002:1234');
  });
  it('is undefined when nothing was recovered', () => {
    expect(parseRecoveredPosition('no such line')).toBeUndefined();
  });
});
