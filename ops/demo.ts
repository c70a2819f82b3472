/**
 * The demo: a real MariaDB Galera pair + garbd on loopback, the CAM pair (`tandem node` cam-a on
 * member a, cam-b on member b, `local` VIP: the logical IP 127.0.0.77 is served by the active node
 * only) and four LAM agents sending to the logical IP under synthetic load. Halfway through, the
 * active node is killed with SIGKILL: the standby takes the lease and the logical IP, the LAMs
 * reconnect (spooling meanwhile, draining on the recovery stream); the killed node restarts as the
 * standby. At the end RUs submitted, acked, in the ledger (read on both members) and in the closed
 * IPDR files of both nodes must all be equal.
 *
 *   node dist/ops/demo.js [--seconds 20] [--lams 4]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { silentLogger } from '../kernel/logger.js';
import { sleep, waitFor } from '../kernel/process.js';
import { LamAgent } from '../lam/agent.js';
import { parseLamConfigFile } from '../lam/config.js';
import { syntheticRu } from '../lam/synthetic.js';
import { LocalGaleraCluster } from './local-cluster.js';
import { accountingDir, createLocalPair, type LocalPair, startActiveThenStandby } from './local-pair.js';
import { formatStatus } from './status-format.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
/** A loopback alias: the logical IP of the demo pair (only the active node listens on it). */
const LOGICAL_IP = '127.0.0.77';

async function ledgerCount(cluster: LocalGaleraCluster, member: string, lamIds: string[]) {
  const conn = await mariadb.createConnection({ ...cluster.connectionFor(member), bigIntAsNumber: true });
  try {
    await conn.query('SET SESSION wsrep_sync_wait = 1');
    const rows = await conn.query(
      `SELECT COUNT(*) AS blocks, COALESCE(SUM(ru_count), 0) AS rus FROM ledger_block WHERE lam_id IN (${lamIds.map(() => '?').join(',')})`,
      lamIds,
    );
    return { blocks: Number(rows[0].blocks), rus: Number(rows[0].rus) };
  } finally {
    await conn.end();
  }
}

/** RUs of this demo run (their uID carries the run's stamp) in closed IPDR files. */
function countInIpdr(acct: string, stamp: string): { rus: number; files: number } {
  let rus = 0;
  let files = 0;
  for (const series of ['Primary', 'Recovery']) {
    const dir = join(acct, series);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.closed'))) {
      const found =
        readFileSync(join(dir, f), 'utf8').match(new RegExp(`<uID>App\\d+-${stamp}-`, 'g'))?.length ?? 0;
      if (found > 0) files++;
      rus += found;
    }
  }
  return { rus, files };
}

async function main(): Promise<number> {
  const seconds = arg('seconds', 20);
  const lamCount = arg('lams', 4);
  const base = '/tmp/tandem-demo';
  rmSync(join(base, 'lam'), { recursive: true, force: true }); // spools of an earlier run
  rmSync(join(base, 'cam'), { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 27300 });
  let pair: LocalPair | undefined;
  let stopLams: () => Promise<unknown> = async () => undefined;
  try {
    say('▶ starting a MariaDB Galera pair (members a, b) + garbd arbitrator on 127.0.0.1 …');
    let t0 = Date.now();
    await cluster.start();
    say(`  cluster Primary with 3 members in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    pair = await createLocalPair({
      dir: join(base, 'cam'),
      databases: { a: cluster.connectionFor('a'), b: cluster.connectionFor('b') },
      logicalIp: LOGICAL_IP,
      logLevel: 'warn',
      // Short File Rotation Time so the demo's last IPDR files close within seconds.
      extra: { cam: { fileRotationTime: 2000 } },
    });
    say(
      `▶ starting the CAM pair: cam-a (server A, member a) and cam-b (server B, member b), logical IP ${LOGICAL_IP}`,
    );
    t0 = Date.now();
    await startActiveThenStandby(pair);
    say(
      `  cam-a ACTIVE (holds the lease, listens on ${pair.primaryTarget}), cam-b STANDBY — ${Date.now() - t0} ms`,
    );

    const stamp = Date.now().toString(36);
    const lamIds = Array.from({ length: lamCount }, (_, i) => `App${i + 1}-${stamp}`);
    const [host, primaryPort] = pair.primaryTarget.split(':') as [string, string];
    const recoveryPort = pair.recoveryTarget.split(':')[1]!;
    const lams: LamAgent[] = [];
    for (const lamId of lamIds) {
      const cfg = parseLamConfigFile({
        lam: {
          componentName: lamId,
          primaryCamIpAddress: host,
          primaryCamPort: Number(primaryPort),
          recoveryCamIpAddress: host,
          recoveryCamPort: Number(recoveryPort),
          baseFilePath: join(base, 'lam'),
          fileRotationTime: 2,
        },
      });
      const agent = new LamAgent({ lam: cfg.lam, agent: cfg.agent, log: silentLogger() });
      await agent.start();
      lams.push(agent);
    }
    stopLams = () => Promise.all(lams.map((l) => l.stop()));

    say(
      `▶ ${lamCount} LAM agents send to the logical IP for ${seconds} s; the active node is killed (kill -9) halfway`,
    );
    const until = Date.now() + seconds * 1000;
    const killAt = Date.now() + (seconds * 1000) / 2;
    let killed = false;
    let n = 0;
    let lastReport = Date.now();
    const totals = () => {
      const c = lams.map((l) => l.status());
      return {
        submitted: c.reduce((x, s) => x + s.counters.rusSubmitted, 0),
        acked: c.reduce((x, s) => x + s.counters.rusAcked, 0),
        spooledBlocks: c.reduce((x, s) => x + s.spool.unackedBlocks, 0),
        viaPrimary: c.reduce((x, s) => x + s.counters.blocksAckedPrimary, 0),
        viaRecovery: c.reduce((x, s) => x + s.counters.blocksAckedRecovery, 0),
      };
    };
    let failoverMs = 0;
    while (Date.now() < until) {
      for (const [i, lam] of lams.entries()) {
        const burst = 1 + ((n * 7 + i) % 12);
        for (let k = 0; k < burst; k++) await lam.submit(syntheticRu(lamIds[i]!, n++));
      }
      if (!killed && Date.now() >= killAt) {
        killed = true;
        const ackedBefore = totals().acked;
        say(
          `  ✖ kill -9 cam-a, the active node (${totals().spooledBlocks} blocks unacknowledged, all on the LAMs' disks)`,
        );
        const tk = Date.now();
        await pair.a.kill9();
        await pair.b.waitRole('active', 30_000);
        say(`  ↻ cam-b took the lease and the logical IP ${Date.now() - tk} ms after the kill`);
        await waitFor(
          'the first ack from cam-b',
          async () => (totals().acked > ackedBefore ? true : undefined),
          {
            timeoutMs: 30_000,
            intervalMs: 20,
          },
        );
        failoverMs = Date.now() - tk;
        say(`  ✔ LAMs reconnected to the logical IP: first ack from cam-b ${failoverMs} ms after the kill`);
        pair.a.start();
        await pair.a.waitRole('standby', 30_000);
        say('  ↻ cam-a restarted: journal replayed, back as STANDBY (fail-back is never automatic)');
      }
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        const t = totals();
        say(
          `  … ${t.submitted} RUs submitted, ${t.acked} acked; blocks acked: ${t.viaPrimary} primary, ${t.viaRecovery} recovery; ${t.spooledBlocks} in flight`,
        );
      }
      await sleep(20);
    }
    say('▶ waiting for the LAMs to drain …');
    await Promise.all(lams.map((l) => l.drained(120_000)));
    const t = totals();
    const onA = await ledgerCount(cluster, 'a', lamIds);
    const onB = await ledgerCount(cluster, 'b', lamIds);
    const acct = (id: string) => accountingDir(join(base, 'cam'), id);
    await waitFor(
      'the IPDR files to close on both nodes',
      async () =>
        countInIpdr(acct('cam-a'), stamp).rus >= onA.rus && countInIpdr(acct('cam-b'), stamp).rus >= onA.rus
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch(() => undefined);
    const ipdrA = countInIpdr(acct('cam-a'), stamp);
    const ipdrB = countInIpdr(acct('cam-b'), stamp);

    say('');
    say(`  RUs submitted to the LAMs        ${t.submitted}`);
    say(`  RUs acknowledged by the CAM pair ${t.acked}`);
    say(`  RUs in the ledger, member a      ${onA.rus}   (${onA.blocks} blocks)`);
    say(`  RUs in the ledger, member b      ${onB.rus}   (${onB.blocks} blocks)`);
    say(`  RUs in closed IPDR files, cam-a  ${ipdrA.rus}   (${ipdrA.files} files in ${acct('cam-a')})`);
    say(`  RUs in closed IPDR files, cam-b  ${ipdrB.rus}   (${ipdrB.files} files in ${acct('cam-b')})`);
    say(`  blocks acked via primary stream  ${t.viaPrimary}`);
    say(`  blocks acked via recovery stream ${t.viaRecovery}   (spooled during the failover)`);
    say(`  blocks left in the LAM spools    ${t.spooledBlocks}`);
    say(`  kill -9 of the active → first ack on the new active: ${failoverMs} ms`);
    say('');
    say(formatStatus(await pair.b.status()).trimEnd());
    say('');
    const ok =
      t.submitted === t.acked &&
      t.acked === onA.rus &&
      onA.rus === onB.rus &&
      onA.rus === ipdrA.rus &&
      onA.rus === ipdrB.rus &&
      t.spooledBlocks === 0;
    say(ok ? '✔ all equal: nothing lost, nothing doubled' : '✘ MISMATCH: see the numbers above');
    return ok ? 0 : 1;
  } finally {
    await stopLams();
    for (const node of pair?.nodes ?? []) await node.stop();
    await cluster.stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
