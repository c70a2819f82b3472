/** In-process CAM nodes on the shared test cluster, and LAM senders pointed at them. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../kernel/logger.js';
import { sleep, waitFor } from '../../kernel/process.js';
import { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { CamNode } from '../../node/cam-node.js';
import { type NodeConfig, parseNodeConfig } from '../../node/config/schema.js';
import { freePort } from '../../ops/local-cam.js';
import { databaseConfigFor } from './galera.js';

export interface CamNodeOverrides {
  ingest?: Record<string, unknown>;
  cam?: Record<string, unknown>;
  ipdr?: Record<string, unknown>;
  delivery?: Record<string, unknown>;
  tls?: Record<string, unknown>;
  node?: Record<string, unknown>;
  /** A database of the test's own (freshDatabase) instead of the shared one. */
  databaseName?: string;
  id?: string;
  /** What to wait for: accepting (the default), or standing by for a node already active on its database. */
  expect?: 'accepting' | 'standby';
  dataDir?: string;
}

/** A single node's configuration on the shared test cluster, with free ports and a fresh data folder. */
export async function camNodeConfig(
  member: 'a' | 'b',
  overrides: CamNodeOverrides = {},
): Promise<NodeConfig> {
  const dir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-cam-'));
  const primaryPort = await freePort();
  const recoveryPort = await freePort();
  const adminPort = await freePort();
  return parseNodeConfig({
    node: {
      id: overrides.id ?? `cam-${member}`,
      dataDir: dir,
      adminListen: `127.0.0.1:${adminPort}`,
      ...overrides.node,
    },
    cam: {
      ipAddress: '127.0.0.1',
      primaryPort,
      recoveryPort,
      baseFilePath: join(dir, 'accounting'),
      diskMonitorMajorThreshold: 90,
      diskMonitorCriticalThreshold: 95,
      ...overrides.cam,
    },
    database: databaseConfigFor(member, overrides.databaseName ? { name: overrides.databaseName } : {}),
    ingest: overrides.ingest ?? {},
    ipdr: overrides.ipdr ?? {},
    delivery: overrides.delivery ?? {},
    tls: overrides.tls ?? {},
  });
}

export async function startCamNode(
  member: 'a' | 'b',
  overrides: CamNodeOverrides = {},
): Promise<{ node: CamNode; config: NodeConfig; primary: string; recovery: string; admin: string }> {
  const config = await camNodeConfig(member, overrides);
  const node = new CamNode(
    config,
    process.env.TANDEM_TEST_LOG ? createLogger('debug', { node: config.node.id }) : silentLogger(),
  );
  await node.start();
  // Accepting. On the shared database a node killed by an earlier test file may still hold the role
  // lease: this one stands by until that lease expires (leaseTtlMs), then takes it. A test must not
  // start before, or its first LAM meets NOT_ACCEPTING (a CI flake of hostile-input.test.ts).
  const standby = overrides.expect === 'standby';
  await waitFor(
    `${config.node.id} to ${standby ? 'stand by for the active node' : 'accept blocks'}`,
    async () => {
      // A refusal thrown (not returned) so that a timeout names the last one.
      if (!standby) {
        const refusal = node.refusal();
        if (refusal === undefined) return true;
        throw new Error(refusal);
      }
      const { role } = node.status();
      const other = role.lease && role.lease.owner !== config.node.id && role.lease.expiresInMs > 0;
      if (role.role === 'standby' && other) return true;
      throw new Error(`role ${role.role}, lease ${JSON.stringify(role.lease ?? null)}`);
    },
    { timeoutMs: 30_000 },
  );
  return {
    node,
    config,
    primary: `${config.cam.ipAddress}:${config.cam.primaryPort}`,
    recovery: `${config.cam.ipAddress}:${config.cam.recoveryPort}`,
    admin: config.node.adminListen,
  };
}

export function uniqueLamId(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export function sender(
  target: string,
  lamId: string,
  stream: 'primary' | 'recovery' = 'primary',
  onAck?: (blockSeq: number, status: 'stored' | 'duplicate') => void,
): DtpSender {
  const s = new DtpSender({ target, lamId, stream, log: silentLogger(), onAck });
  s.start();
  return s;
}

/**
 * Sends `blocks` blocks of 5 RUs on the primary and on the recovery stream of a CAM (one new LAM on
 * each), `pauseMs` apart, and waits until every block is acked. Returns the RUs per stream and the LAM ids.
 */
export async function loadBothStreams(
  target: { primary: string; recovery: string },
  blocks: number,
  pauseMs: number,
  prefix: string,
): Promise<{ primary: number; recovery: number; lams: string[] }> {
  const lams = [uniqueLamId(`${prefix}-p`), uniqueLamId(`${prefix}-r`)];
  const senders = [
    sender(target.primary, lams[0]!, 'primary'),
    sender(target.recovery, lams[1]!, 'recovery'),
  ];
  for (let seq = 1; seq <= blocks; seq++) {
    senders.forEach((s, i) => {
      s.send({ blockSeq: seq, createdAtMs: 0, rus: syntheticBlockRus(lams[i]!, seq, 5) });
    });
    await sleep(pauseMs);
  }
  await Promise.all(senders.map((s) => s.drained()));
  for (const s of senders) s.stop();
  return { primary: blocks * 5, recovery: blocks * 5, lams };
}
