/**
 * The demo: a real MariaDB Galera pair + garbd on loopback, one CAM node (`tandem node`) on member
 * A, and four LAM agents under synthetic load. Halfway through, the CAM is killed with SIGKILL and
 * stays down 1.5 s: the LAMs spool, and drain the spool on the recovery stream once it is back. At
 * the end the RUs submitted and stored (read on member A and on member B) must be equal.
 *
 *   node dist/ops/demo.js [--seconds 20] [--lams 4]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { LamAgent } from '../lam/agent.js';
import { syntheticRu } from '../lam/synthetic.js';
import { silentLogger } from '../node/common/logger.js';
import { sleep, waitFor } from '../node/common/process.js';
import { parseLamConfigFile } from '../node/config/schema.js';
import { LocalGaleraCluster } from '../node/replication/local-cluster.js';
import { CamProcess } from './local-cam.js';
import { formatStatus } from './status-format.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

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
  mkdirSync(base, { recursive: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 27300 });
  let cam: CamProcess | undefined;
  let stopLams: () => Promise<unknown> = async () => undefined;
  try {
    say('▶ starting a MariaDB Galera pair (members a, b) + garbd arbitrator on 127.0.0.1 …');
    let t0 = Date.now();
    await cluster.start();
    say(`  cluster Primary with 3 members in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    cam = await CamProcess.create({
      id: 'cam-a',
      dir: join(base, 'cam'),
      database: cluster.connectionFor('a'),
      logLevel: 'warn',
      // Short File Rotation Time so the demo's last IPDR files close within seconds.
      extra: { cam: { fileRotationTime: 2000 } },
    });
    say(`▶ starting CAM node cam-a (primary ${cam.primaryTarget}, recovery ${cam.recoveryTarget}) …`);
    t0 = Date.now();
    cam.start();
    await cam.waitAccepting();
    say(`  accepting blocks after ${Date.now() - t0} ms`);

    const stamp = Date.now().toString(36);
    const lamIds = Array.from({ length: lamCount }, (_, i) => `App${i + 1}-${stamp}`);
    const lams: LamAgent[] = [];
    for (const lamId of lamIds) {
      const cfg = parseLamConfigFile({
        lam: {
          componentName: lamId,
          primaryCamIpAddress: '127.0.0.1',
          primaryCamPort: cam.primaryPort,
          recoveryCamIpAddress: '127.0.0.1',
          recoveryCamPort: cam.recoveryPort,
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
      `▶ ${lamCount} LAM agents (spool in ${join(base, 'lam')}) submit RUs for ${seconds} s; cam-a is killed with SIGKILL halfway`,
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
        spooledBlocks: c.reduce((x, s) => x + s.spool.unackedBlocks, 0),
        viaPrimary: c.reduce((x, s) => x + s.counters.blocksAckedPrimary, 0),
        viaRecovery: c.reduce((x, s) => x + s.counters.blocksAckedRecovery, 0),
      };
    };
    while (Date.now() < until) {
      for (const [i, lam] of lams.entries()) {
        const burst = 1 + ((n * 7 + i) % 12);
        for (let k = 0; k < burst; k++) await lam.submit(syntheticRu(lamIds[i]!, n++));
      }
      if (!killed && Date.now() >= killAt) {
        killed = true;
        say(`  ✖ kill -9 cam-a (${totals().spooledBlocks} blocks unacknowledged, all on the LAMs' disks)`);
        await cam.kill9();
        const tk = Date.now();
        await sleep(1500);
        say(`  … CAM down 1.5 s: ${totals().spooledBlocks} blocks waiting in the LAM spools`);
        cam.start();
        await cam.waitAccepting();
        say(`  ↻ cam-a restarted, journal replayed, accepting again ${Date.now() - tk} ms after the kill`);
      }
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        const t = totals();
        say(
          `  … ${t.submitted} RUs submitted; blocks acked: ${t.viaPrimary} primary, ${t.viaRecovery} recovery; ${t.spooledBlocks} in flight`,
        );
      }
      await sleep(20);
    }
    say('▶ waiting for the LAMs to drain …');
    await Promise.all(lams.map((l) => l.drained(120_000)));
    const t = totals();
    const onA = await ledgerCount(cluster, 'a', lamIds);
    const onB = await ledgerCount(cluster, 'b', lamIds);
    const acct = join(base, 'cam', 'cam-a', 'accounting');
    const inIpdr = () => countInIpdr(acct, stamp);
    await waitFor('the IPDR files to close', async () => (inIpdr().rus >= onA.rus ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 250,
    }).catch(() => undefined);
    const ipdr = inIpdr();

    say('');
    say(`  RUs submitted to the LAMs        ${t.submitted}`);
    say(`  RUs in the ledger, member a      ${onA.rus}   (${onA.blocks} blocks)`);
    say(`  RUs in the ledger, member b      ${onB.rus}   (${onB.blocks} blocks)`);
    say(`  RUs in closed IPDR files, node a ${ipdr.rus}   (${ipdr.files} files in ${acct})`);
    say(`  blocks acked via primary stream  ${t.viaPrimary}`);
    say(`  blocks acked via recovery stream ${t.viaRecovery}   (spooled while the CAM was down)`);
    say(`  blocks left in the LAM spools    ${t.spooledBlocks}`);
    say('');
    say(formatStatus(await cam.status()).trimEnd());
    say('');
    const ok =
      t.submitted === onA.rus && onA.rus === onB.rus && onA.rus === ipdr.rus && t.spooledBlocks === 0;
    say(ok ? '✔ all equal: nothing lost, nothing doubled' : '✘ MISMATCH: see the numbers above');
    return ok ? 0 : 1;
  } finally {
    await stopLams();
    await cam?.stop();
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
