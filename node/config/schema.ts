/**
 * Configuration of a Tandem node: the CAM (Table 2) and the node itself (pair, database, …). The
 * LAM's is in lam/config.ts. Ranges and defaults are those of ../shared/spec/configuration.md; the
 * decisions where the seed is ambiguous are in docs/decisions.md. Pure: reading a file is load.ts.
 */
import { z } from 'zod';
import {
  ABSOLUTE_PATH,
  bool,
  HOST,
  IDENTIFIER,
  IPV4,
  int,
  LISTEN_ADDRESS,
  oneOf,
  orEmpty,
  PORT,
  rotationNotBothDisabled,
  str,
  thresholdsOrdered,
} from '../../kernel/config/fields.js';
import { parseWith } from '../../kernel/config/parse.js';
import { eventsSchema } from '../../kernel/events/config.js';
import { fcapsSchema } from '../../kernel/fcaps/config.js';
import { tlsSchema } from '../../kernel/tls/config.js';

/** Table 2 — CAM configuration properties. */
export const camSchema = z
  .strictObject({
    mode: oneOf(['SIP'] as const, 'SIP'),
    ipAddress: str({ min: 1, max: 15, default: '0.0.0.0', rule: IPV4 }),
    primaryPort: int({ ...PORT, default: 17667 }),
    recoveryPort: int({ ...PORT, default: 17668 }),
    baseFilePath: str({ min: 1, max: 500, default: '/billing/CAM/accounting', rule: ABSOLUTE_PATH }),
    fileRotationSize: int({ min: 1, max: 300_000, default: 100_000, zeroDisables: true, unit: 'bytes' }),
    // Seed: "1–360000" but glossed as "1 millisecond to 60 minutes"; we accept up to 60 minutes.
    fileRotationTime: int({ min: 1, max: 3_600_000, default: 20_000, zeroDisables: true, unit: 'ms' }),
    fileCompression: bool(false),
    diskMonitorMajorThreshold: int({ min: 0, max: 100, default: 50, unit: '%' }),
    diskMonitorCriticalThreshold: int({ min: 0, max: 100, default: 75, unit: '%' }),
    tcpIpEnabled: bool(false),
    tcpIpAddress: str({ min: 1, max: 253, default: '0.0.0.0', rule: HOST }),
    tcpIpPrimaryHostPort: int({ ...PORT, default: 9000 }),
    tcpIpRecoveryHostPort: int({ ...PORT, default: 9001 }),
    ftpPushEnabled: bool(false),
    primaryFtpDirectory: str({ min: 1, max: 500, default: '/' }),
    recoveryFtpDirectory: str({ min: 1, max: 500, default: '/' }),
    remoteFtpNodeId: str({ min: 1, max: 500, default: '0.0.0.0', rule: HOST }),
    ftpUserId: str({ min: 1, max: 500, default: 'anonymous' }),
    ftpUserPassword: str({ min: 1, max: 500, default: 'anonymous', secret: true }),
  })
  .superRefine((v, ctx) => {
    rotationNotBothDisabled(v, ctx, 'cam');
    thresholdsOrdered(v, ctx, 'cam');
    if (v.primaryPort === v.recoveryPort) {
      ctx.addIssue({
        code: 'custom',
        path: ['recoveryPort'],
        message: `${v.recoveryPort} equals cam.primaryPort; allowed: a different port`,
      });
    }
  });
export type CamConfig = z.output<typeof camSchema>;

export const databaseSchema = z.strictObject({
  host: str({ min: 1, max: 253, default: '127.0.0.1', rule: HOST }),
  port: int({ min: 1, max: 65535, default: 3306 }),
  user: str({ min: 1, max: 80, default: 'tandem' }),
  password: str({ min: 0, max: 500, default: '', secret: true }),
  name: str({ min: 1, max: 64, default: 'tandem', rule: IDENTIFIER }),
  poolSize: int({ min: 2, max: 64, default: 8, unit: 'connections' }),
  connectTimeoutMs: int({ min: 100, max: 60_000, default: 2000, unit: 'ms' }),
  /** Every database call is abandoned after this long (a SIGSTOPped server would hang it). */
  callTimeoutMs: int({ min: 100, max: 120_000, default: 8000, unit: 'ms' }),
  healthIntervalMs: int({ min: 50, max: 10_000, default: 250, unit: 'ms' }),
  /**
   * A health check (SHOW STATUS, which a write stall does not block) that takes longer counts as
   * "unreachable": a dead member is known within this, not within callTimeoutMs, so the node stops
   * calling itself active (in a pair the standby takes over without waiting for the stall grace).
   */
  healthTimeoutMs: int({ min: 100, max: 60_000, default: 2000, unit: 'ms' }),
  /** TLS to the database with the node's `tls` files; the server's certificate must name `host`. */
  tls: bool(false),
});
export type DatabaseConfig = z.output<typeof databaseSchema>;

export const ingestSchema = z.strictObject({
  window: int({ min: 1, max: 1000, default: 64, unit: 'blocks' }),
  maxBlockBytes: int({ min: 4096, max: 16 * 1024 * 1024, default: 1024 * 1024, unit: 'bytes' }),
  maxBatchBlocks: int({ min: 1, max: 5000, default: 500, unit: 'blocks' }),
  requireKnownLams: bool(false),
  helloTimeoutMs: int({ min: 100, max: 600_000, default: 10_000, unit: 'ms' }),
});
export type IngestConfig = z.output<typeof ingestSchema>;

export const journalSchema = z.strictObject({
  segmentBytes: int({ min: 1024 * 1024, max: 1024 * 1024 * 1024, default: 64 * 1024 * 1024, unit: 'bytes' }),
  retentionHours: int({ min: 1, max: 24 * 31, default: 24, unit: 'h' }),
  /** How often sealed segments are added to the checkpoint (replay skips them at start-up). */
  checkpointIntervalMs: int({ min: 100, max: 3600_000, default: 5000, unit: 'ms' }),
});
export type JournalConfig = z.output<typeof journalSchema>;

export const ipdrSchema = z.strictObject({
  /** Render the ledger into IPDR files (every node) and plan files (the node that accepts). */
  enabled: bool(true),
  intervalMs: int({ min: 50, max: 60_000, default: 500, unit: 'ms' }),
});
export type IpdrConfig = z.output<typeof ipdrSchema>;

/** How the active node delivers to the OSS (Table 2 has the addresses; these are ours). */
export const deliverySchema = z.strictObject({
  intervalMs: int({ min: 50, max: 60_000, default: 500, unit: 'ms' }),
  ftpPort: int({ min: 1, max: 65535, default: 21 }),
  /** FTPS: `explicit` (AUTH TLS on the control port) or `implicit` (TLS from the first byte). */
  ftpTls: oneOf(['off', 'explicit', 'implicit'] as const, 'off'),
  /** Verify the FTPS server's certificate (against the system CAs, or ftpTlsCaFile). */
  ftpTlsVerify: bool(true),
  ftpTlsCaFile: str({ min: 0, max: 500, default: '', rule: orEmpty(ABSOLUTE_PATH) }),
  ftpTimeoutMs: int({ min: 100, max: 600_000, default: 30_000, unit: 'ms' }),
  retryInitialMs: int({ min: 10, max: 600_000, default: 1000, unit: 'ms' }),
  retryMaxMs: int({ min: 10, max: 3_600_000, default: 60_000, unit: 'ms' }),
  /** OssDeliveryFailure is raised when a channel has failed continuously this long. */
  failureAlarmAfterMs: int({ min: 0, max: 86_400_000, default: 60_000, unit: 'ms' }),
  /** How long the feed waits for a collector's RESUME line after its hello. */
  feedResumeWaitMs: int({ min: 0, max: 60_000, default: 1000, unit: 'ms' }),
  /**
   * Records re-sent on reconnect to a collector that never confirms: records the kernel had taken
   * are lost with the connection, so this must cover the socket buffers (~600 bytes a record).
   */
  feedReplayRecords: int({ min: 0, max: 1_000_000, default: 10_000, unit: 'records' }),
  feedHeartbeatMs: int({ min: 100, max: 600_000, default: 5000, unit: 'ms' }),
});
export type DeliveryConfig = z.output<typeof deliverySchema>;

const PROFILE = {
  test: (v: string) => IDENTIFIER.test(v) || ABSOLUTE_PATH.test(v),
  allowed: 'a profile of ops/profiles/ (e.g. generic) or the absolute path of a profile file',
};
const OPTIONAL_IDENTIFIER = orEmpty(IDENTIFIER, 'a node id');
const OPTIONAL_IPV4 = orEmpty(IPV4);
const OPTIONAL_LISTEN = orEmpty(LISTEN_ADDRESS, 'host:port');

/** The hot-standby pair (node/role, node/heartbeat). Disabled: a single node that is always active. */
export const pairSchema = z.strictObject({
  enabled: bool(false),
  peerId: str({ min: 0, max: 32, default: '', rule: OPTIONAL_IDENTIFIER }),
  heartbeatListen: str({ min: 3, max: 270, default: '0.0.0.0:7610', rule: LISTEN_ADDRESS }),
  /** The peer's heartbeatListen, as reachable from here. */
  peerHeartbeat: str({ min: 0, max: 270, default: '', rule: OPTIONAL_LISTEN }),
  heartbeatIntervalMs: int({ min: 20, max: 10_000, default: 200, unit: 'ms' }),
  heartbeatMisses: int({ min: 1, max: 100, default: 5, unit: 'beats' }),
  /** The role lease in the replicated database. */
  leaseTtlMs: int({ min: 300, max: 600_000, default: 1500, unit: 'ms' }),
  /** An active node that could not renew for this long stops acking (must be < leaseTtlMs). */
  demoteAfterMs: int({ min: 100, max: 600_000, default: 1000, unit: 'ms' }),
  tickMs: int({ min: 20, max: 10_000, default: 100, unit: 'ms' }),
  /**
   * A database stall (Galera blocks writes until a dead member is evicted: 3.5–6 s measured) is ridden
   * out for this long past the lease's expiry while the heartbeat shows the active alive.
   */
  stallGraceMs: int({ min: 0, max: 600_000, default: 8000, unit: 'ms' }),
  /** After giving the role away (switchover, failover), the node does not take it back for this long. */
  holdOffMs: int({ min: 0, max: 3_600_000, default: 10_000, unit: 'ms' }),
  /** The server `tandem restore` moves the role back to. */
  preferred: str({ min: 0, max: 32, default: '', rule: OPTIONAL_IDENTIFIER }),
});
export type PairConfig = z.output<typeof pairSchema>;

/** How the logical IP (cam.ipAddress) follows the role (node/vip). */
export const vipSchema = z.strictObject({
  driver: oneOf(['none', 'local', 'iproute', 'keepalived'] as const, 'none'),
  interface: str({ min: 1, max: 15, default: 'eth0', rule: IDENTIFIER }),
  prefixLength: int({ min: 1, max: 32, default: 24 }),
  /** keepalived only. */
  virtualRouterId: int({ min: 1, max: 255, default: 51 }),
  priority: int({ min: 1, max: 254, default: 100 }),
  advertIntervalMs: int({ min: 10, max: 10_000, default: 100, unit: 'ms' }),
  sourceIp: str({ min: 0, max: 15, default: '', rule: OPTIONAL_IPV4 }),
  peerIp: str({ min: 0, max: 15, default: '', rule: OPTIONAL_IPV4 }),
});
export type VipConfig = z.output<typeof vipSchema>;

/**
 * The node's own Galera member (galera.managed): the node renders its configuration, starts it
 * (joining the peer, or bootstrapping by the recorded-state rule) and stops it (docs/pair.md).
 */
export const galeraSchema = z.strictObject({
  managed: bool(false),
  clusterName: str({ min: 1, max: 64, default: 'tandem', rule: IDENTIFIER }),
  /** This server's address: the member listens here (SQL and group communication). */
  address: str({ min: 0, max: 15, default: '', rule: OPTIONAL_IPV4 }),
  peerAddress: str({ min: 0, max: 15, default: '', rule: OPTIONAL_IPV4 }),
  /** The witness host running garbd (the third vote). */
  witnessAddress: str({ min: 0, max: 15, default: '', rule: OPTIONAL_IPV4 }),
  sqlPort: int({ min: 1, max: 65535, default: 3306 }),
  groupPort: int({ min: 1, max: 65535, default: 4567 }),
  istPort: int({ min: 1, max: 65535, default: 4568 }),
  sstPort: int({ min: 1, max: 65535, default: 4444 }),
  peerGroupPort: int({ min: 1, max: 65535, default: 4567 }),
  witnessGroupPort: int({ min: 1, max: 65535, default: 4567 }),
  /** Holds data/ (initialised by the operations tooling), my.cnf, the pid file and logs. */
  dataDir: str({ min: 1, max: 500, default: '/var/lib/tandem/galera', rule: ABSOLUTE_PATH }),
  osUser: str({ min: 1, max: 32, default: 'mysql', rule: IDENTIFIER }),
  /** Faster EVS timeouts: a dead member is evicted in ~3.5 s instead of ~6.5 s. */
  fastEviction: bool(true),
  /** Bootstrap even though the peer cannot be asked (an operator's decision, never automatic). */
  bootstrapAlone: bool(false),
  /**
   * TLS for replication, IST, state transfer (rsync through stunnel) and the member's SQL port
   * (TLS required on TCP), with the node's `tls` certificate, which must also name `address`.
   */
  tls: bool(false),
  /** InnoDB's cache: most of the memory a dedicated server can spare (a deployment profile sets it). */
  bufferPoolMb: int({ min: 16, max: 1_048_576, default: 64, unit: 'MiB' }),
  /** The write-set cache a rejoining member's IST is served from: larger, fewer full state transfers. */
  gcacheMb: int({ min: 16, max: 1_048_576, default: 64, unit: 'MiB' }),
});
export type GaleraConfig = z.output<typeof galeraSchema>;

/** A partition the node watches besides the accounting one and the journal's (a profile lists them). */
const partitionSchema = z
  .strictObject({
    /** Names its alarms: PartitionMajor.<name>, PartitionCritical.<name>. */
    name: str({ min: 1, max: 32, rule: IDENTIFIER }),
    path: str({ min: 1, max: 500, rule: ABSOLUTE_PATH }),
    diskMonitorMajorThreshold: int({ min: 0, max: 100, default: 80, unit: '%' }),
    diskMonitorCriticalThreshold: int({ min: 0, max: 100, default: 90, unit: '%' }),
  })
  .superRefine((v, ctx) => thresholdsOrdered(v, ctx, 'the partition'));

/** Software RAID (Linux md) holding the accounting data: kernel/raid/raid-monitor.ts. */
const raidSchema = z.strictObject({
  enabled: bool(false),
  mdstatPath: str({ min: 1, max: 500, default: '/proc/mdstat', rule: ABSOLUTE_PATH }),
  /** Arrays that must be present: one that vanished (stopped, not assembled) counts as failed. */
  arrays: z
    .array(str({ min: 1, max: 32, rule: IDENTIFIER }))
    .max(64)
    .default([]),
  intervalMs: int({ min: 100, max: 600_000, default: 5000, unit: 'ms' }),
});

/** The server the node runs on: what a deployment profile (ops/profiles/) describes. */
export const serverSchema = z.strictObject({
  partitions: z.array(partitionSchema).max(32).default([]),
  raid: raidSchema.prefault({}),
});
export type ServerConfig = z.output<typeof serverSchema>;

export const nodeSchema = z.strictObject({
  id: str({ min: 1, max: 32, rule: IDENTIFIER }),
  dataDir: str({ min: 1, max: 500, default: '/var/lib/tandem', rule: ABSOLUTE_PATH }),
  adminListen: str({ min: 3, max: 270, default: '127.0.0.1:7600', rule: LISTEN_ADDRESS }),
  /** Operators and their tokens' hashes (docs/security.md); empty: the admin API does not authenticate. */
  adminTokensFile: str({ min: 0, max: 500, default: '', rule: orEmpty(ABSOLUTE_PATH) }),
  logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info'),
});

export const nodeConfigSchema = z
  .strictObject({
    /** The deployment profile (ops/profiles/<name>.yaml) under this file; node/config/profile.ts. */
    profile: str({ min: 0, max: 500, default: '', rule: orEmpty(PROFILE) }),
    node: nodeSchema,
    cam: camSchema.prefault({}),
    database: databaseSchema.prefault({}),
    ingest: ingestSchema.prefault({}),
    journal: journalSchema.prefault({}),
    ipdr: ipdrSchema.prefault({}),
    delivery: deliverySchema.prefault({}),
    pair: pairSchema.prefault({}),
    vip: vipSchema.prefault({}),
    galera: galeraSchema.prefault({}),
    events: eventsSchema.prefault({}),
    fcaps: fcapsSchema.prefault({}),
    tls: tlsSchema.prefault({}),
    server: serverSchema.prefault({}),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const { pair, vip } = v;
    // Every node runs the role manager (a single node too): it stops acking at demoteAfterMs and
    // drops the address at leaseTtlMs − 300 ms.
    const most = pair.leaseTtlMs - 300 - pair.tickMs;
    if (pair.demoteAfterMs > most)
      issue(
        ['pair', 'demoteAfterMs'],
        `${pair.demoteAfterMs} leaves no margin: demoteAfterMs + tickMs must stay 300 ms below leaseTtlMs (${pair.leaseTtlMs}); allowed: ≤ ${most}`,
      );
    if (pair.enabled) {
      if (pair.peerId === '')
        issue(['pair', 'peerId'], "is required when pair.enabled; allowed: the other node's node.id");
      if (pair.peerId === v.node.id)
        issue(['pair', 'peerId'], `${pair.peerId} is this node's own id; allowed: the other node's id`);
      if (pair.peerHeartbeat === '')
        issue(['pair', 'peerHeartbeat'], 'is required when pair.enabled; allowed: host:port of the peer');
      // A dead active must be known dead (silent heartbeat) before the stall grace ends, or the
      // standby waits the whole grace for it.
      const detectMs = pair.heartbeatIntervalMs * pair.heartbeatMisses;
      if (pair.stallGraceMs > 0 && detectMs >= pair.stallGraceMs)
        issue(
          ['pair', 'stallGraceMs'],
          `${pair.stallGraceMs} is not above the heartbeat's failure detection (heartbeatIntervalMs × heartbeatMisses = ${detectMs} ms); allowed: 0 or > ${detectMs}`,
        );
    } else if (vip.driver !== 'none') {
      issue(['vip', 'driver'], `${vip.driver} needs pair.enabled; allowed: none for a single node`);
    }
    if (vip.driver === 'keepalived') {
      if (vip.sourceIp === '')
        issue(['vip', 'sourceIp'], "is required for keepalived; allowed: this server's address");
      if (vip.peerIp === '')
        issue(['vip', 'peerIp'], "is required for keepalived; allowed: the peer server's address");
    }
    const g = v.galera;
    if (g.managed) {
      for (const f of ['address', 'peerAddress', 'witnessAddress'] as const)
        if (g[f] === '')
          issue(['galera', f], 'is required when galera.managed; allowed: a dotted IPv4 address');
      if (!pair.enabled)
        issue(['galera', 'managed'], 'needs pair.enabled (the start decision asks the peer); allowed: false');
      if (g.address !== '' && (v.database.host !== g.address || v.database.port !== g.sqlPort))
        issue(
          ['database', 'host'],
          `${v.database.host}:${v.database.port} is not the managed member ${g.address}:${g.sqlPort}; allowed: galera.address and galera.sqlPort`,
        );
    }
    if (g.tls) {
      if (!g.managed)
        issue(['galera', 'tls'], 'needs galera.managed (the node renders the member); allowed: false');
      if (!v.tls.enabled)
        issue(
          ['galera', 'tls'],
          "needs tls.enabled (the member uses the node's certificate); allowed: false",
        );
      if (!v.database.tls)
        issue(
          ['database', 'tls'],
          'is false, but with galera.tls the member refuses TCP clients without TLS; allowed: true',
        );
    }
    const names = v.server.partitions.map((p) => p.name);
    for (const [i, name] of names.entries())
      if (names.indexOf(name) !== i)
        issue(
          ['server', 'partitions', String(i), 'name'],
          `${name} names two partitions; allowed: one name each`,
        );
    if (v.database.tls && !v.tls.enabled)
      issue(['database', 'tls'], "needs tls.enabled (the node's CA and certificate); allowed: false");
    if (vip.driver !== 'none' && v.cam.ipAddress === '0.0.0.0')
      issue(
        ['cam', 'ipAddress'],
        'is 0.0.0.0, but it is the logical IP the VIP driver moves; allowed: that address',
      );
    const need = (on: boolean, field: 'remoteFtpNodeId' | 'tcpIpAddress', what: string) => {
      if (on && v.cam[field] === '0.0.0.0')
        ctx.addIssue({
          code: 'custom',
          path: ['cam', field],
          message: `0.0.0.0 must be changed when ${what} is enabled; allowed: the OSS host name or address`,
        });
      if (on && !v.ipdr.enabled)
        ctx.addIssue({
          code: 'custom',
          path: ['ipdr', 'enabled'],
          message: `false, but ${what} delivers IPDR files; allowed: true`,
        });
    };
    need(v.cam.ftpPushEnabled, 'remoteFtpNodeId', 'cam.ftpPushEnabled');
    need(v.cam.tcpIpEnabled, 'tcpIpAddress', 'cam.tcpIpEnabled');
    if (v.delivery.retryMaxMs < v.delivery.retryInitialMs)
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', 'retryMaxMs'],
        message: `${v.delivery.retryMaxMs} is below delivery.retryInitialMs; allowed: ≥ ${v.delivery.retryInitialMs}`,
      });
  });
export type NodeConfig = z.output<typeof nodeConfigSchema>;

export const parseNodeConfig = (input: unknown): NodeConfig => parseWith(nodeConfigSchema, input);
