/**
 * The hot-standby pair on one host: two `tandem node` processes (one per Galera member), `local`
 * VIP (a loopback alias only the active node listens on), a LAM sending to the logical IP.
 * kill -9 of the active, switchover, restore, maintenance and forced failover, each under load.
 * TLS on everywhere: the DTP (each LAM stream its own certificate), the heartbeats, the nodes' SQL
 * connections, and the shared cluster's replication.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { sleep, waitFor } from '../../kernel/process.js';
import { channelCredentials } from '../../kernel/tls/credentials.js';
import { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { issueCertificate } from '../../ops/certs.js';
import { CLI } from '../../ops/local-cam.js';
import {
  accountingDir,
  activeNode,
  createLocalPair,
  type LocalPair,
  startActiveThenStandby,
} from '../../ops/local-pair.js';
import { freshDatabase, sqlOn, TEST_PKI, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { closedIpdrFiles, sha256File } from '../harness/ipdr-files.js';
import { uniqueLamId } from '../harness/nodes.js';
import { testTls } from '../harness/tls.js';

interface Ack {
  seq: number;
  at: number;
}

const certs = mkdtempSync(join(tmpdir(), 'tandem-pair-certs-'));

/**
 * A LAM stream to the logical IP sending `blocks` blocks of 5 RUs, recording when each is acked;
 * over mutual TLS with a certificate of its own.
 */
function lamUnderLoad(target: string, blocks: number, pauseMs: number) {
  const lamId = uniqueLamId('pair');
  const acks: Ack[] = [];
  issueCertificate(TEST_PKI.ca, certs, { kind: 'lam', name: lamId });
  const sender = new DtpSender({
    target,
    credentials: channelCredentials(testTls(TEST_PKI.ca, certs, lamId)),
    lamId,
    stream: 'primary',
    log: silentLogger(),
    minBackoffMs: 20,
    maxBackoffMs: 200,
    onAck: (seq) => acks.push({ seq, at: Date.now() }),
  });
  sender.start();
  const done = (async () => {
    for (let seq = 1; seq <= blocks; seq++) {
      sender.send({ blockSeq: seq, createdAtMs: 0, rus: syntheticBlockRus(lamId, seq, 5) });
      await sleep(pauseMs);
    }
    await sender.drained();
    sender.stop();
  })();
  return { lamId, acks, done, blocks };
}

/** The longest time without an ack, between the first and the last. */
function longestGap(acks: Ack[], after = 0): number {
  const times = acks
    .map((a) => a.at)
    .filter((t) => t >= after)
    .sort((x, y) => x - y);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}

describe('hot-standby pair (local VIP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pair-'));
  let pair: LocalPair;
  let database: string;

  beforeAll(async () => {
    await waitForHealthyCluster();
    database = await freshDatabase('pair');
    const c = testCluster();
    const logicalIp = `127.0.${10 + (process.pid % 200)}.${10 + Math.floor(Math.random() * 200)}`;
    // TLS everywhere: the DTP, the heartbeats, the nodes' SQL (and the shared cluster replicates
    // over TLS): each node's certificate names the logical IP and 127.0.0.1.
    for (const id of ['cam-a', 'cam-b'])
      issueCertificate(TEST_PKI.ca, certs, { kind: 'cam', name: id, ips: [logicalIp, '127.0.0.1'] });
    const tlsOf = (id: string) => testTls(TEST_PKI.ca, certs, id);
    pair = await createLocalPair({
      dir,
      databases: {
        a: { ...c.connectionFor('a'), database, tls: true },
        b: { ...c.connectionFor('b'), database, tls: true },
      },
      logicalIp,
      extra: { cam: { fileRotationTime: 500, fileRotationSize: 50_000 }, ipdr: { intervalMs: 100 } },
      tlsOf,
      pair: { holdOffMs: 3000 },
    });
    await startActiveThenStandby(pair);
  });
  afterAll(async () => {
    for (const n of pair?.nodes ?? []) await n.stop();
    rmSync(certs, { recursive: true, force: true });
  });

  async function ledger(lamId: string) {
    const conn = await sqlOn('b');
    try {
      await conn.query(`USE ${database}`);
      return (await conn.query(
        'SELECT block_seq, received_by, UNIX_TIMESTAMP(received_at) * 1000 AS at FROM ledger_block WHERE lam_id = ? ORDER BY received_at, ingest_id',
        [lamId],
      )) as { block_seq: number; received_by: string; at: number }[];
    } finally {
      await conn.end();
    }
  }

  /** RUs of `lamId` in the closed IPDR files of a node (after files close), each id counted. */
  async function ipdrIds(nodeId: string, lamId: string, expected: number): Promise<string[]> {
    const acct = accountingDir(dir, nodeId);
    const ids = () =>
      closedIpdrFiles(acct).flatMap((f) =>
        [
          ...readFileSync(join(acct, f), 'utf8').matchAll(
            new RegExp(`<uID>(${lamId}-\\d+@[^<]*)</uID>`, 'g'),
          ),
        ].map((m) => m[1]!),
      );
    await waitFor(
      `${expected} RUs in ${nodeId}'s closed files`,
      async () => (ids().length >= expected ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 300,
      },
    );
    return ids();
  }

  it('kill -9 of the active under load: the standby takes over, 0 acked RUs lost, 0 duplicates, no fail-back', async () => {
    const lam = lamUnderLoad(pair.primaryTarget, 300, 15);
    await waitFor('100 acks', async () => (lam.acks.length >= 100 ? true : undefined), { timeoutMs: 20_000 });
    const killedAt = Date.now();
    await pair.a.kill9();
    await pair.b.waitRole('active', 15_000);
    await lam.done;
    const firstAckAfter = Math.min(...lam.acks.filter((a) => a.at > killedAt).map((a) => a.at)) - killedAt;
    process.stderr.write(
      `[pair] kill -9 of the active → first ack on the new active after ${firstAckAfter} ms\n`,
    );

    const rows = await ledger(lam.lamId);
    expect(rows.length).toBe(300);
    expect(new Set(rows.map((r) => r.block_seq)).size).toBe(300);
    // The ack history: one node, then the other — never interleaved.
    const switches = rows.filter((r, i) => i > 0 && r.received_by !== rows[i - 1]!.received_by).length;
    expect(switches).toBe(1);
    expect(rows[0]!.received_by).toBe('cam-a');
    expect(rows.at(-1)!.received_by).toBe('cam-b');

    const ids = await ipdrIds('cam-b', lam.lamId, 1500);
    expect(ids.length).toBe(1500);
    expect(new Set(ids).size).toBe(1500);

    // The old active comes back as standby and stays there (fail-back is never automatic).
    pair.a.start();
    await pair.a.waitRole('standby', 30_000);
    await sleep(2000);
    expect(await pair.a.role()).toBe('standby');
    expect(await pair.b.role()).toBe('active');
    // Both servers end with byte-identical closed files.
    await ipdrIds('cam-a', lam.lamId, 1500);
    const files = closedIpdrFiles(accountingDir(dir, 'cam-b'));
    for (const f of files)
      expect(sha256File(join(accountingDir(dir, 'cam-a'), f)), f).toBe(
        sha256File(join(accountingDir(dir, 'cam-b'), f)),
      );
  });

  it('switchover under load: zero loss, zero duplicates, outage measured', async () => {
    const lam = lamUnderLoad(pair.primaryTarget, 200, 15);
    await waitFor('50 acks', async () => (lam.acks.length >= 50 ? true : undefined), { timeoutMs: 20_000 });
    const at = Date.now();
    const r = await pair.b.command('switchover', { to: 'cam-a' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await pair.a.waitRole('active', 15_000);
    await lam.done;
    const outage = longestGap(lam.acks, at - 1000);
    process.stderr.write(`[pair] switchover under load: longest time without an ack ${outage} ms\n`);
    const rows = await ledger(lam.lamId);
    expect(rows.length).toBe(200);
    expect(new Set(rows.map((x) => x.block_seq)).size).toBe(200);
    expect(rows.filter((x, i) => i > 0 && x.received_by !== rows[i - 1]!.received_by).length).toBe(1);
    expect(await pair.b.role()).toBe('standby');
  });

  it('maintenance mode, restore to the preferred server (forwarded by the CLI), forced failover', async () => {
    // cam-a (preferred) is active. Maintenance on the standby: a switchover to it is refused.
    expect((await pair.b.command('maintenance', { on: true })).status).toBe(200);
    await pair.b.waitRole('maintenance');
    await waitFor(
      'cam-a to see cam-b in maintenance',
      async () => {
        const s = (await pair.a.status()) as { peer: { lastBeat: { role: string } | null } };
        return s.peer.lastBeat?.role === 'maintenance' ? true : undefined;
      },
      { timeoutMs: 5000, intervalMs: 50 },
    );
    const refused = await pair.a.command('switchover', { to: 'cam-b' });
    expect(refused.status).toBe(409);
    expect(String(refused.body.error)).toContain('cam-b is not a healthy standby');
    expect((await pair.b.command('maintenance', { on: false })).status).toBe(200);
    await pair.b.waitRole('standby');
    await sleep(500); // heartbeats carry the new role

    // Forced failover on the active (Failover.pl stop acctmgr): cam-b takes over at once.
    expect((await pair.a.command('failover')).status).toBe(200);
    await pair.b.waitRole('active', 10_000);
    await pair.a.waitRole('standby');

    // restore, sent to the standby (cam-a): the CLI forwards it to the active, which hands back.
    await sleep(500); // heartbeats carry the new roles
    const out = execFileSync(process.execPath, [CLI, 'restore', '--admin', `127.0.0.1:${pair.a.adminPort}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toContain('tandem restore: accepted');
    await pair.a.waitRole('active', 10_000);
    await pair.b.waitRole('standby');

    // Bad requests name the field.
    const bad = await pair.a.command('maintenance', { on: 'yes' });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toBe('on: "yes"; allowed: true or false');
    const human = execFileSync(
      process.execPath,
      [CLI, 'status', '--admin', `127.0.0.1:${pair.a.adminPort}`],
      {
        encoding: 'utf8',
      },
    );
    expect(human).toMatch(/role {8}ACTIVE since/);
    expect(human).toMatch(/peer {8}cam-b at 127\.0\.0\.1:\d+: standby/);
  });

  it('SIGSTOP of the active process for 3 s under load: the standby takes over, both processes stay alive', async () => {
    const frozen = (await activeNode(pair))!;
    const other = frozen === pair.a ? pair.b : pair.a;
    const lam = lamUnderLoad(pair.primaryTarget, 300, 15);
    await waitFor('50 acks', async () => (lam.acks.length >= 50 ? true : undefined), { timeoutMs: 20_000 });
    const exitedEarly = [pair.a, pair.b].map((n) => n.daemon!.exited.then(() => n.id));
    frozen.daemon!.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    try {
      // The lease expires while the active is frozen; the standby takes it, although the frozen
      // process still holds the listening sockets (EADDRINUSE on the same host).
      await waitFor(
        `${other.id} to take the lease`,
        async () => {
          const st = (await other.status()) as { role: { lease: { owner: string } | null } };
          return st.role.lease?.owner === other.id ? true : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 50 },
      );
      const frozenFor = 3000 - (Date.now() - stoppedAt);
      if (frozenFor > 0) await sleep(frozenFor); // the fault lasts 3 s (not a wait for a condition)
    } finally {
      frozen.daemon!.child.kill('SIGCONT');
    }
    await other.waitRole('active', 30_000);
    await frozen.waitRole('standby', 30_000);
    await lam.done;
    const exited = await Promise.race([...exitedEarly, sleep(500).then(() => 'none')]);
    expect(exited).toBe('none');
    const rows = await ledger(lam.lamId);
    expect(rows.length).toBe(300);
    expect(new Set(rows.map((r) => r.block_seq)).size).toBe(300);
    const st = (await other.status()) as { alarms: { name: string }[] };
    process.stderr.write(
      `[pair] SIGSTOP 3 s: alarms on ${other.id}: ${st.alarms.map((a) => a.name).join(', ')}\n`,
    );
  });

  it('kill -9 of garbd under load (a fault that does not touch the active): no demotion, no takeover', async () => {
    const active = (await activeNode(pair))!;
    const other = active === pair.a ? pair.b : pair.a;
    type RoleStatus = {
      role: { lease: { epoch: number } | null; demotions: Record<string, number>; stallsRidden: number };
    };
    const before = (await active.status()) as RoleStatus;
    const lam = lamUnderLoad(pair.primaryTarget, 600, 15);
    await waitFor('50 acks', async () => (lam.acks.length >= 50 ? true : undefined), { timeoutMs: 20_000 });
    // garbd dies and comes back while blocks flow: both view changes happen under load.
    const cluster = testCluster();
    const killedAt = Date.now();
    await cluster.kill('garbd');
    try {
      await waitFor('150 more acks', async () => (lam.acks.length >= 200 ? true : undefined), {
        timeoutMs: 30_000,
      });
    } finally {
      await cluster.restart('garbd');
    }
    await lam.done;
    const after = (await active.status()) as RoleStatus;
    const standby = (await other.status()) as RoleStatus & { role: { role: string } };
    process.stderr.write(
      `[pair] kill -9 garbd: longest ack gap ${longestGap(lam.acks, killedAt)} ms, stalls ridden ${after.role.stallsRidden - before.role.stallsRidden}, demotions ${JSON.stringify(after.role.demotions)}\n`,
    );
    expect(after.role.demotions).toEqual(before.role.demotions);
    expect(after.role.lease?.epoch).toBe(before.role.lease?.epoch);
    expect(standby.role.role).toBe('standby');
    const rows = await ledger(lam.lamId);
    expect(rows.length).toBe(600);
    expect(new Set(rows.map((r) => r.block_seq)).size).toBe(600);
    expect(new Set(rows.map((r) => r.received_by))).toEqual(new Set([active.id]));
    await waitForHealthyCluster();
  });
});
