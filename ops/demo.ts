/**
 * The demo: a real MariaDB Galera pair + garbd on loopback, one CAM node (`tandem node`) on member
 * A, and four synthetic LAMs sending RU blocks. Halfway through, the CAM is killed with SIGKILL and
 * restarted; the LAMs resend what was not acknowledged. At the end the RUs submitted, acknowledged
 * and stored (read on member A and on member B) must all be equal.
 *
 *   node dist/ops/demo.js [--seconds 20] [--lams 4]
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { DtpSender } from '../lam/dtp-client.js';
import { syntheticBlockRus } from '../lam/synthetic.js';
import { silentLogger } from '../node/common/logger.js';
import { sleep } from '../node/common/process.js';
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

async function main(): Promise<number> {
  const seconds = arg('seconds', 20);
  const lamCount = arg('lams', 4);
  const base = '/tmp/tandem-demo';
  mkdirSync(base, { recursive: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 27300 });
  let cam: CamProcess | undefined;
  const senders: DtpSender[] = [];
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
    });
    say(`▶ starting CAM node cam-a (primary ${cam.primaryTarget}, recovery ${cam.recoveryTarget}) …`);
    t0 = Date.now();
    cam.start();
    await cam.waitAccepting();
    say(`  accepting blocks after ${Date.now() - t0} ms`);

    const stamp = Date.now().toString(36);
    const lamIds = Array.from({ length: lamCount }, (_, i) => `App${i + 1}-${stamp}`);
    let submittedRus = 0;
    let ackedRus = 0;
    const rusPerSeq = new Map<string, number>();
    lamIds.forEach((lamId) => {
      const s = new DtpSender({
        target: cam!.primaryTarget,
        lamId,
        stream: 'primary',
        log: silentLogger(),
        onAck: (seq) => {
          ackedRus += rusPerSeq.get(`${lamId}#${seq}`) ?? 0;
        },
      });
      s.start();
      senders.push(s);
    });

    say(
      `▶ ${lamCount} LAMs send RU blocks (1–20 RUs) for ${seconds} s; cam-a is killed with SIGKILL halfway`,
    );
    const until = Date.now() + seconds * 1000;
    const killAt = Date.now() + (seconds * 1000) / 2;
    let killed = false;
    let seq = 0;
    let lastReport = Date.now();
    while (Date.now() < until) {
      seq++;
      senders.forEach((s, i) => {
        const lamId = lamIds[i]!;
        const n = 1 + ((seq * 7 + i) % 20);
        rusPerSeq.set(`${lamId}#${seq}`, n);
        submittedRus += n;
        s.send({ blockSeq: seq, createdAtMs: Date.now(), rus: syntheticBlockRus(lamId, seq, n) });
      });
      if (!killed && Date.now() >= killAt) {
        killed = true;
        const pending = senders.reduce((n, s) => n + s.pending, 0);
        say(`  ✖ kill -9 cam-a (${pending} blocks unacknowledged at that moment)`);
        await cam.kill9();
        const tk = Date.now();
        cam.start();
        await cam.waitAccepting();
        say(`  ↻ cam-a restarted, journal replayed, accepting again after ${Date.now() - tk} ms`);
      }
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        const pending = senders.reduce((n, s) => n + s.pending, 0);
        say(`  … ${submittedRus} RUs submitted, ${ackedRus} acknowledged, ${pending} blocks in flight`);
      }
      await sleep(20);
    }
    say('▶ waiting for the LAMs to drain …');
    await Promise.all(senders.map((s) => s.drained()));
    const onA = await ledgerCount(cluster, 'a', lamIds);
    const onB = await ledgerCount(cluster, 'b', lamIds);
    const resent = senders.reduce((n, s) => n + s.stats.duplicates, 0);

    say('');
    say('  RUs submitted by the LAMs        ' + submittedRus);
    say('  RUs acknowledged by the CAM      ' + ackedRus);
    say(`  RUs in the ledger, member a      ${onA.rus}   (${onA.blocks} blocks)`);
    say(`  RUs in the ledger, member b      ${onB.rus}   (${onB.blocks} blocks)`);
    say(`  blocks re-sent after the kill and recognised as duplicates: ${resent}`);
    say('');
    say(formatStatus(await cam.status()).trimEnd());
    say('');
    const ok = submittedRus === ackedRus && ackedRus === onA.rus && onA.rus === onB.rus;
    say(ok ? '✔ all equal: nothing lost, nothing doubled' : '✘ MISMATCH: see the numbers above');
    return ok ? 0 : 1;
  } finally {
    for (const s of senders) s.stop();
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
