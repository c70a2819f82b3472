/**
 * Failover and switchover of the CAM pair, measured (docs/benchmarks.md): a Galera pair + garbd, the
 * two nodes with the `local` VIP, one LAM stream sending a block every 10 ms to the logical IP.
 *
 * - `--kills N` (default 20): kill -9 of the active node's process; the time from the kill to the
 *   first ack on the new active; the killed node restarts as standby before the next round.
 * - `--switchovers N` (default 10): `switchover` to the standby; the longest time without an ack.
 * Every round also checks that the ledger holds every acked block once.
 *
 *   node dist/bench/failover.js [--kills 20] [--switchovers 10]
 */
import { loadavg } from 'node:os';
import mariadb from 'mariadb';
import { silentLogger } from '../kernel/logger.js';
import { sleep, waitFor } from '../kernel/process.js';
import { DtpSender } from '../lam/dtp-client.js';
import { syntheticBlockRus } from '../lam/synthetic.js';
import { activeNode } from '../ops/local-pair.js';
import { arg, percentile, runBench, startBenchPair, writeResults } from './common.js';

runBench(async () => {
  const kills = arg('kills', 20);
  const switchovers = arg('switchovers', 10);
  const { cluster, pair, stop } = await startBenchPair({
    base: '/tmp/tandem-bench-failover',
    basePort: 28300,
    logicalIp: '127.0.0.78',
    pair: { holdOffMs: 0 },
  });
  const acks: number[] = [];
  /** Times the stream was (re)welcomed: an ack after a kill counts only after a new Welcome. */
  const welcomes: number[] = [];
  const lamId = `bench-failover-${Date.now().toString(36)}`;
  const sender = new DtpSender({
    target: pair.primaryTarget,
    lamId,
    stream: 'primary',
    log: silentLogger(),
    onAck: () => acks.push(Date.now()),
    onConnect: () => welcomes.push(Date.now()),
  });
  let sent = 0;
  let producing = true;
  try {
    sender.start();
    const producer = (async () => {
      while (producing) {
        sent++;
        sender.send({ blockSeq: sent, createdAtMs: 0, rus: syntheticBlockRus(lamId, sent, 5) });
        await sleep(10);
      }
    })();
    // Acks the killed node sent just before dying can arrive after the kill: count from the first
    // Welcome of the new active.
    const firstAckAfter = async (t: number) => {
      const ready = () => {
        const w = welcomes.find((x) => x > t);
        return w === undefined ? undefined : acks.find((a) => a >= w);
      };
      const at = await waitFor('an ack from the new active', async () => ready(), {
        timeoutMs: 60_000,
        intervalMs: 5,
      });
      return at - t;
    };
    const failovers: number[] = [];
    const load: number[] = [];
    for (let i = 0; i < kills; i++) {
      await sleep(1000 + Math.random() * 1000);
      const active = (await activeNode(pair))!;
      const standby = pair.nodes.find((n) => n !== active)!;
      const t = Date.now();
      await active.kill9();
      failovers.push(await firstAckAfter(t));
      load.push(loadavg()[0]!);
      await standby.waitRole('active');
      active.start();
      await active.waitRole('standby', 60_000);
      process.stdout.write(`kill ${i + 1}: first ack on the new active after ${failovers.at(-1)} ms\n`);
    }
    const outages: number[] = [];
    for (let i = 0; i < switchovers; i++) {
      await sleep(1000);
      const active = (await activeNode(pair))!;
      const standby = pair.nodes.find((n) => n !== active)!;
      const t = Date.now();
      const r = await active.command('switchover', { to: standby.id });
      if (r.status !== 200) throw new Error(`switchover refused: ${JSON.stringify(r.body)}`);
      await standby.waitRole('active');
      await sleep(1000);
      const window = acks.filter((a) => a >= t - 200);
      let gap = 0;
      for (let k = 1; k < window.length; k++) gap = Math.max(gap, window[k]! - window[k - 1]!);
      outages.push(gap);
      process.stdout.write(`switchover ${i + 1}: longest time without an ack ${gap} ms\n`);
    }
    producing = false;
    await producer;
    await sender.drained();
    const conn = await mariadb.createConnection({ ...cluster.connectionFor('b'), bigIntAsNumber: true });
    const [row] = await conn.query(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT block_seq) AS d FROM ledger_block WHERE lam_id = ?',
      [lamId],
    );
    await conn.end();
    const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
    const result = {
      kills,
      failoverMs: {
        p50: percentile(sorted(failovers), 50),
        p99: percentile(sorted(failovers), 99),
        max: Math.max(...failovers),
        all: failovers,
      },
      switchovers,
      switchoverOutageMs: { p50: percentile(sorted(outages), 50), max: Math.max(...outages), all: outages },
      blocksSent: sent,
      ledgerRows: Number(row.n),
      ledgerDistinct: Number(row.d),
      loadavg1m: { duringKills: load, end: loadavg()[0] },
      settings: { leaseTtlMs: 1500, demoteAfterMs: 1000, tickMs: 100, lamMaxBackoffMs: 500 },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    writeResults('failover', result);
    if (result.ledgerRows !== sent || result.ledgerDistinct !== sent)
      throw new Error('ledger does not hold every block once');
  } finally {
    producing = false;
    sender.stop();
    await stop();
  }
});
