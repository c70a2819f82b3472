import { describe, expect, it } from 'vitest';
import { DEFAULT_LAM_API_SOCKET, parseLamConfig, parseLamConfigFile } from '../../lam/config.js';
import { parseNodeConfig } from '../../node/config/schema.js';
import { configProblems } from '../harness/config-problems.js';

const node = (cam: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  parseNodeConfig({ node: { id: 'cam-a' }, cam, ...extra });
const lam = (fields: Record<string, unknown> = {}) =>
  parseLamConfig({ lam: { componentName: 'App1', ...fields } });

const problems = configProblems;

describe('CAM configuration (Table 2) defaults', () => {
  it('fills every field with the seed default', () => {
    expect(node().cam).toEqual({
      mode: 'SIP',
      ipAddress: '0.0.0.0',
      primaryPort: 17667,
      recoveryPort: 17668,
      baseFilePath: '/billing/CAM/accounting',
      fileRotationSize: 100000,
      fileRotationTime: 20000,
      fileCompression: false,
      diskMonitorMajorThreshold: 50,
      diskMonitorCriticalThreshold: 75,
      tcpIpEnabled: false,
      tcpIpAddress: '0.0.0.0',
      tcpIpPrimaryHostPort: 9000,
      tcpIpRecoveryHostPort: 9001,
      ftpPushEnabled: false,
      primaryFtpDirectory: '/',
      recoveryFtpDirectory: '/',
      remoteFtpNodeId: '0.0.0.0',
      ftpUserId: 'anonymous',
      ftpUserPassword: 'anonymous',
    });
  });
});

// [field, lowest valid, highest valid, just below, just above, extra fields to keep the rest valid]
type Edge = [string, number, number, number | undefined, number, Record<string, unknown>?];

const camEdges: Edge[] = [
  ['primaryPort', 1025, 65535, 1024, 65536, { recoveryPort: 2000 }],
  ['recoveryPort', 1025, 65535, 1024, 65536, { primaryPort: 2000 }],
  ['fileRotationSize', 1, 300000, -1, 300001],
  ['fileRotationTime', 1, 3600000, -1, 3600001],
  ['diskMonitorMajorThreshold', 0, 75, -1, 101],
  ['diskMonitorCriticalThreshold', 50, 100, -1, 101],
  ['tcpIpPrimaryHostPort', 1025, 65535, 1024, 65536],
  ['tcpIpRecoveryHostPort', 1025, 65535, 1024, 65536],
];

describe.each(camEdges)('cam.%s range edges', (field, low, high, below, above, extra = {}) => {
  it(`accepts ${low} and ${high}`, () => {
    expect((node({ ...extra, [field]: low }).cam as Record<string, unknown>)[field]).toBe(low);
    expect((node({ ...extra, [field]: high }).cam as Record<string, unknown>)[field]).toBe(high);
  });
  it(`refuses ${below} and ${above}, naming field, value and range`, () => {
    for (const bad of [below, above]) {
      const p = problems(() => node({ ...extra, [field]: bad }));
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(new RegExp(`^cam\\.${field}: ${bad} is out of range; allowed: `));
    }
  });
  it('refuses a non-integer', () => {
    expect(problems(() => node({ ...extra, [field]: 1.5 }))[0]).toMatch(/is not an integer/);
    expect(problems(() => node({ ...extra, [field]: '100' }))[0]).toMatch(/"100" is not an integer/);
  });
});

describe('cam rotation and thresholds', () => {
  it('0 disables size or time rotation, but not both', () => {
    expect(node({ fileRotationSize: 0 }).cam.fileRotationSize).toBe(0);
    expect(node({ fileRotationTime: 0 }).cam.fileRotationTime).toBe(0);
    expect(problems(() => node({ fileRotationSize: 0, fileRotationTime: 0 }))).toEqual([
      'cam.fileRotationSize: 0 together with cam.fileRotationTime 0 disables rotation entirely; allowed: at least one of them > 0',
    ]);
  });
  it('the ranges say "0 (disabled) or 1–N"', () => {
    expect(problems(() => node({ fileRotationTime: 3600001 }))[0]).toBe(
      'cam.fileRotationTime: 3600001 is out of range; allowed: 0 (disabled) or 1–3600000 ms',
    );
  });
  it('major threshold may not exceed critical', () => {
    expect(
      problems(() => node({ diskMonitorMajorThreshold: 80, diskMonitorCriticalThreshold: 70 }))[0],
    ).toMatch(/^cam\.diskMonitorMajorThreshold: 80 is above cam\.diskMonitorCriticalThreshold \(70\)/);
    expect(
      node({ diskMonitorMajorThreshold: 70, diskMonitorCriticalThreshold: 70 }).cam.diskMonitorMajorThreshold,
    ).toBe(70);
  });
  it('primary and recovery ports must differ', () => {
    expect(problems(() => node({ primaryPort: 17667, recoveryPort: 17667 }))[0]).toMatch(
      /^cam\.recoveryPort: 17667 equals/,
    );
  });
});

describe('cam string fields', () => {
  it('CAM IP Address: dotted IPv4 of 1–15 characters', () => {
    expect(node({ ipAddress: '198.18.0.1' }).cam.ipAddress).toBe('198.18.0.1');
    expect(node({ ipAddress: '255.255.255.255' }).cam.ipAddress).toBe('255.255.255.255');
    for (const bad of ['', '1.2.3', '256.1.1.1', 'cam.example.net', '::1']) {
      expect(problems(() => node({ ipAddress: bad }))[0]).toMatch(
        /^cam\.ipAddress: .* allowed: a dotted IPv4 address/,
      );
    }
  });
  it('CAM mode is SIP only', () => {
    expect(problems(() => node({ mode: 'H323' }))[0]).toBe('cam.mode: "H323" is not valid; allowed: SIP');
  });
  it('Base File Path: absolute, 1–500 characters', () => {
    expect(node({ baseFilePath: `/${'a'.repeat(499)}` }).cam.baseFilePath).toHaveLength(500);
    expect(problems(() => node({ baseFilePath: `/${'a'.repeat(500)}` }))[0]).toMatch(
      /^cam\.baseFilePath: .*501|not valid/,
    );
    expect(problems(() => node({ baseFilePath: 'relative/path' }))[0]).toMatch(/an absolute path/);
  });
  it('FTP strings: 1–500 characters', () => {
    expect(node({ ftpUserId: 'u'.repeat(500) }).cam.ftpUserId).toHaveLength(500);
    expect(problems(() => node({ ftpUserId: 'u'.repeat(501) }))[0]).toMatch(
      /^cam\.ftpUserId: .*1–500 characters/,
    );
    expect(problems(() => node({ ftpUserPassword: '' }))[0]).toMatch(
      /^cam\.ftpUserPassword: \(secret value hidden\) is not valid/,
    );
  });
  it('booleans are booleans', () => {
    expect(node({ fileCompression: true }).cam.fileCompression).toBe(true);
    expect(problems(() => node({ tcpIpEnabled: 'yes' }))[0]).toBe(
      'cam.tcpIpEnabled: "yes" is not a boolean; allowed: true or false',
    );
  });
});

describe('LAM configuration (Table 3)', () => {
  it('fills the seed defaults', () => {
    expect(lam()).toMatchObject({
      primaryCamPort: 17667,
      recoveryCamPort: 17668,
      baseFilePath: '/billing/LAM/RUblock',
      fileRotationSize: 100000,
      fileRotationTime: 300,
      diskMonitorMajorThreshold: 50,
      diskMonitorCriticalThreshold: 75,
      ruQueueSize: 2000,
      rusPerBlock: 20,
      blockRotationTime: 1,
      ruBlockQueueSize: 1000,
    });
  });
  const lamEdges: Edge[] = [
    ['primaryCamPort', 1025, 65535, 1024, 65536],
    ['recoveryCamPort', 1025, 65535, 1024, 65536],
    ['fileRotationSize', 1, 300000, -1, 300001],
    ['fileRotationTime', 1, 3600, -1, 3601],
    ['diskMonitorMajorThreshold', 1, 75, 0, 101],
    ['diskMonitorCriticalThreshold', 50, 100, 0, 101],
    ['ruQueueSize', 1, 2000, 0, 2001],
    ['rusPerBlock', 1, 20, 0, 21],
    ['blockRotationTime', 1, 10, 0, 11],
    ['ruBlockQueueSize', 1, 1000, 0, 1001],
  ];
  it.each(lamEdges)('lam.%s accepts %d and %d, refuses %d and %d', (field, low, high, below, above) => {
    expect((lam({ [field]: low }) as Record<string, unknown>)[field]).toBe(low);
    expect((lam({ [field]: high }) as Record<string, unknown>)[field]).toBe(high);
    for (const bad of [below, above]) {
      expect(problems(() => lam({ [field]: bad }))).toEqual([
        expect.stringMatching(new RegExp(`^lam\\.${field}: ${bad} is out of range`)),
      ]);
    }
  });
  it('requires the component name', () => {
    expect(problems(() => parseLamConfig({ lam: {} }))).toEqual([
      'lam.componentName: is required; allowed: letters, digits, _ . - (1–32 characters)',
    ]);
  });
  it('File Rotation Size and Time may not both be 0', () => {
    expect(problems(() => lam({ fileRotationSize: 0, fileRotationTime: 0 }))[0]).toMatch(
      /^lam\.fileRotationSize: 0 together/,
    );
  });
});

describe('LAM local API (agent)', () => {
  const agent = (fields: Record<string, unknown>) =>
    parseLamConfigFile({ lam: { componentName: 'App1' }, agent: fields }).agent;
  it('listens on a Unix socket by default, without a token', () => {
    expect(agent({})).toMatchObject({ apiListen: DEFAULT_LAM_API_SOCKET, apiToken: '' });
  });
  it('on host:port a token is required, and the error says why without showing one', () => {
    expect(problems(() => agent({ apiListen: '127.0.0.1:7700' }))).toEqual([
      expect.stringMatching(/^agent\.apiToken: required when apiListen is host:port \(127\.0\.0\.1:7700\)/),
    ]);
    expect(agent({ apiListen: '127.0.0.1:7700', apiToken: 'x'.repeat(16) }).apiToken).toBe('x'.repeat(16));
  });
  it('a short or malformed token is refused, its value hidden', () => {
    for (const bad of ['short', 'has space in it 0123456789'])
      expect(problems(() => agent({ apiListen: '127.0.0.1:7700', apiToken: bad }))).toEqual([
        'agent.apiToken: (secret value hidden) is not valid; allowed: 16–512 visible ASCII characters, or empty (0–512 characters)',
      ]);
  });
  it('a socket path must fit sun_path', () => {
    expect(problems(() => agent({ apiListen: `/${'a'.repeat(107)}` }))[0]).toMatch(/^agent\.apiListen: /);
  });
});

describe('node configuration', () => {
  it('reports every bad field at once, and unknown fields by name', () => {
    const p = problems(() =>
      parseNodeConfig({
        node: { id: 'has space', colour: 'red' },
        cam: { primaryPort: 80, fileCompression: 'no' },
        database: { port: 0 },
        ingest: { window: 0 },
      }),
    );
    expect(p).toEqual([
      'node.id: "has space" is not valid; allowed: letters, digits, _ . - (1–32 characters)',
      'node.colour: unknown field',
      'cam.primaryPort: 80 is out of range; allowed: 1025–65535',
      'cam.fileCompression: "no" is not a boolean; allowed: true or false',
      'database.port: 0 is out of range; allowed: 1–65535',
      'ingest.window: 0 is out of range; allowed: 1–1000 blocks',
    ]);
  });
  it('requires node.id', () => {
    expect(problems(() => parseNodeConfig({}))).toEqual(['node: is required (a section)']);
    expect(problems(() => parseNodeConfig({ node: 'x' }))).toEqual([
      'node: expected object, received string',
    ]);
    expect(problems(() => parseNodeConfig({ node: {} }))[0]).toMatch(/^node\.id: is required/);
  });
  it('adminListen must be host:port', () => {
    expect(problems(() => node({}, { node: { id: 'a', adminListen: 'localhost' } }))[0]).toMatch(
      /^node\.adminListen: "localhost"/,
    );
    expect(node({}, { node: { id: 'a', adminListen: '127.0.0.1:1' } }).node.adminListen).toBe('127.0.0.1:1');
  });
  it('a ConfigError message lists every problem on its own line', () => {
    try {
      node({ primaryPort: 1, recoveryPort: 2 });
    } catch (err) {
      expect((err as Error).message).toBe(
        'invalid configuration:\n  - cam.primaryPort: 1 is out of range; allowed: 1025–65535\n  - cam.recoveryPort: 2 is out of range; allowed: 1025–65535',
      );
    }
    expect.assertions(1);
  });
});

describe('OSS delivery settings', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
    [
      'FTP push to 0.0.0.0',
      { ftpPushEnabled: true },
      {},
      /^cam\.remoteFtpNodeId: 0\.0\.0\.0 must be changed/,
    ],
    ['TCP feed to 0.0.0.0', { tcpIpEnabled: true }, {}, /^cam\.tcpIpAddress: 0\.0\.0\.0 must be changed/],
    [
      'delivery without IPDR files',
      { tcpIpEnabled: true, tcpIpAddress: 'oss.example' },
      { ipdr: { enabled: false } },
      /^ipdr\.enabled: false, but cam\.tcpIpEnabled delivers IPDR files/,
    ],
    [
      'a retry ceiling below the first retry',
      {},
      { delivery: { retryInitialMs: 5000, retryMaxMs: 1000 } },
      /^delivery\.retryMaxMs: 1000 is below delivery\.retryInitialMs/,
    ],
    ['an unknown TLS mode', {}, { delivery: { ftpTls: 'yes' } }, /^delivery\.ftpTls: "yes"/],
    [
      'a relative CA file',
      {},
      { delivery: { ftpTlsCaFile: 'ca.pem' } },
      /^delivery\.ftpTlsCaFile: "ca\.pem" is not valid; allowed: an absolute path, or empty/,
    ],
  ])('%s is refused, naming the field', (_what, cam, extra, error) => {
    expect(problems(() => node(cam, extra))[0]).toMatch(error);
  });

  it('a wrong password is never repeated in the error', () => {
    const text = problems(() => node({ ftpUserPassword: 'x'.repeat(501) })).join('\n');
    expect(text).not.toContain('xxxx');
  });
});

describe('pair and logical IP settings', () => {
  const pair = { enabled: true, peerId: 'cam-b', peerHeartbeat: '198.18.0.2:7610' };
  it.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
    [
      'a pair without a peer id',
      {},
      { pair: { enabled: true, peerHeartbeat: '198.18.0.2:7610' } },
      /^pair\.peerId: is required when pair\.enabled/,
    ],
    [
      'a peer id equal to its own',
      {},
      { pair: { ...pair, peerId: 'cam-a' } },
      /^pair\.peerId: cam-a is this node's own id/,
    ],
    [
      'a pair without the peer heartbeat address',
      {},
      { pair: { enabled: true, peerId: 'cam-b' } },
      /^pair\.peerHeartbeat: is required/,
    ],
    [
      'a demote deadline too close to the lease TTL',
      {},
      { pair: { ...pair, leaseTtlMs: 1500, demoteAfterMs: 1200 } },
      /^pair\.demoteAfterMs: 1200 leaves no margin.*allowed: ≤ 1100/,
    ],
    [
      'a stall grace shorter than the heartbeat takes to see a dead peer',
      {},
      { pair: { ...pair, heartbeatIntervalMs: 1000, heartbeatMisses: 5, stallGraceMs: 4000 } },
      /^pair\.stallGraceMs: 4000 is not above the heartbeat's failure detection .*5000 ms\); allowed: 0 or > 5000/,
    ],
    [
      'a demote deadline too close to the lease TTL on a single node too',
      {},
      { pair: { leaseTtlMs: 1500, demoteAfterMs: 1200 } },
      /^pair\.demoteAfterMs: 1200 leaves no margin/,
    ],
    [
      'a VIP driver on a single node',
      {},
      { vip: { driver: 'local' } },
      /^vip\.driver: local needs pair\.enabled/,
    ],
    [
      'keepalived without addresses',
      { ipAddress: '198.18.0.100' },
      { pair, vip: { driver: 'keepalived' } },
      /^vip\.sourceIp: is required for keepalived/,
    ],
    [
      'a logical IP of 0.0.0.0',
      {},
      { pair, vip: { driver: 'iproute' } },
      /^cam\.ipAddress: is 0\.0\.0\.0, but it is the logical IP/,
    ],
    ['an unknown VIP driver', {}, { vip: { driver: 'carp' } }, /^vip\.driver: "carp"/],
  ])('%s is refused, naming the field', (_what, cam, extra, error) => {
    expect(problems(() => node(cam, extra))[0]).toMatch(error);
  });

  it('the defaults fail over within about two seconds and keep the margins', () => {
    const c = node(
      { ipAddress: '198.18.0.100' },
      { pair, vip: { driver: 'keepalived', sourceIp: '198.18.0.1', peerIp: '198.18.0.2' } },
    );
    expect(c.pair).toMatchObject({
      leaseTtlMs: 1500,
      demoteAfterMs: 1000,
      tickMs: 100,
      heartbeatIntervalMs: 200,
    });
    expect(c.vip).toMatchObject({ advertIntervalMs: 100, prefixLength: 24 });
  });
});

describe('the managed Galera member', () => {
  const tls = { enabled: true, caFile: '/t/ca.crt', certFile: '/t/a.crt', keyFile: '/t/a.key' };
  const pair = { enabled: true, peerId: 'cam-b', peerHeartbeat: '198.18.0.2:7610' };
  const galera = {
    managed: true,
    address: '198.18.0.1',
    peerAddress: '198.18.0.2',
    witnessAddress: '198.18.0.3',
  };
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'without the witness',
      { pair, galera: { ...galera, witnessAddress: '' }, database: { host: '198.18.0.1' } },
      /^galera\.witnessAddress: is required when galera\.managed/,
    ],
    [
      'without the pair',
      { galera, database: { host: '198.18.0.1' } },
      /^galera\.managed: needs pair\.enabled/,
    ],
    [
      'with the database elsewhere',
      { pair, galera },
      /^database\.host: 127\.0\.0\.1:3306 is not the managed member 198\.18\.0\.1:3306/,
    ],
    [
      'with TLS but no node certificate',
      { pair, galera: { ...galera, tls: true }, database: { host: '198.18.0.1', tls: true } },
      /^galera\.tls: needs tls\.enabled/,
    ],
    [
      'with TLS on the member but not on the node’s connection',
      { pair, galera: { ...galera, tls: true }, database: { host: '198.18.0.1' }, tls },
      /^database\.tls: is false, but with galera\.tls the member refuses TCP clients without TLS/,
    ],
    [
      'with TLS on an unmanaged member',
      { pair, galera: { tls: true }, database: { tls: true }, tls },
      /^galera\.tls: needs galera\.managed/,
    ],
    [
      'with TLS to the database but no node certificate',
      { database: { tls: true } },
      /^database\.tls: needs tls\.enabled/,
    ],
  ])('%s is refused, naming the field', (_what, extra, error) => {
    expect(problems(() => node({}, extra))[0]).toMatch(error);
  });
  it('with TLS everywhere is accepted', () => {
    const c = node(
      {},
      { pair, galera: { ...galera, tls: true }, database: { host: '198.18.0.1', tls: true }, tls },
    );
    expect([c.galera.tls, c.database.tls]).toEqual([true, true]);
  });
});
