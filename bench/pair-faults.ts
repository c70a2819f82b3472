/**
 * Recovery and false demotions under faults (issue 10, item 7): the pair under steady ingest
 * (`--streams` LAM streams, 8 blocks of 20 RUs outstanding each), then rounds of one fault each:
 * - `garbd`: kill -9 of the witness (restarted 3 s later) — must not touch the active;
 * - `standby-db`: kill -9 of the standby's mariadbd (restarted at once, rejoins by IST) — idem;
 * - `active-db`: kill -9 of the active's mariadbd — a real failover; time until acks resume.
 * Per fault: the longest time without an ack, role changes and lease epoch steps. Run it with
 * `--stall-grace 0` to see the behaviour before stalls were ridden out.
 *
 *   node dist/bench/pair-faults.js [--rounds 3] [--streams 8] [--stall-grace 4000]
 */
import { loadavg } from 'node:os';
import mariadb from 'mariadb';
import { sleep, waitFor } from '../kernel/process.js';
import { activeNode } from '../ops/local-pair.js';
import { arg, closedLoopStreams, runBench, startBenchPair, writeResults } from './common.js';

interface NodeStatus {
  role: {
    role: string;
    lease: { epoch: number; owner: string } | null;
    demotions: Record<string, number>;
    stallsRidden: number;
  };
  database: { clusterSize: number | null };
}

const FAULTS = ['garbd', 'standby-db', 'active-db'] as const;

runBench(async () => {
  const rounds = arg('rounds', 3);
  const streams = arg('streams', 8);
  const stallGraceMs = arg('stall-grace', 8000);
  const { cluster, pair, stop } = await startBenchPair({
    base: '/tmp/tandem-bench-pair-faults',
    basePort: 29500,
    logicalIp: '127.0.0.81',
    pair: { stallGraceMs, holdOffMs: 2000 },
  });
  const memberOf = (nodeId: string) => (nodeId === pair.a.id ? 'a' : 'b');
  let load: { stop: () => Promise<void> } | undefined;
  const results: Record<string, unknown>[] = [];
  try {
    const ackTimes: number[] = [];
    load = closedLoopStreams({
      target: pair.primaryTarget,
      streams,
      outstanding: 8,
      rusPerBlock: 20,
      prefix: 'faults',
      onAck: () => ackTimes.push(Date.now()),
    });
    await sleep(3000);
    for (let round = 0; round < rounds; round++) {
      for (const fault of FAULTS) {
        // Both members Synced in a 3-member Primary component, and one node active, before each fault.
        await waitFor(
          'a healthy 3-member cluster and an active node',
          async () => {
            for (const m of ['a', 'b'] as const) {
              const c = await mariadb
                .createConnection({ ...cluster.connectionFor(m), connectTimeout: 1000 })
                .catch(() => null);
              if (!c) return undefined;
              try {
                const rows = (await c.query(
                  "SHOW STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment')",
                )) as { Variable_name: string; Value: string }[];
                const v = Object.fromEntries(rows.map((r) => [r.Variable_name, r.Value]));
                if (v.wsrep_cluster_size !== '3' || v.wsrep_local_state_comment !== 'Synced')
                  return undefined;
              } finally {
                await c.end();
              }
            }
            return (await activeNode(pair)) ? true : undefined;
          },
          { timeoutMs: 90_000, intervalMs: 250 },
        );
        await sleep(2000);
        const active = (await activeNode(pair))!;
        const before = (await Promise.all(pair.nodes.map((n) => n.status()))) as unknown as NodeStatus[];
        const t0 = Date.now();
        if (fault === 'garbd') {
          await cluster.kill('garbd');
          await sleep(3000);
          await cluster.restart('garbd');
        } else {
          const victim =
            fault === 'active-db' ? memberOf(active.id) : memberOf(active.id) === 'a' ? 'b' : 'a';
          await cluster.kill(victim);
          await sleep(fault === 'active-db' ? 6000 : 1000);
          await cluster.restart(victim);
        }
        // Settle: the rejoin (IST, a second view change) is part of the fault.
        await sleep(6000);
        const after = (await Promise.all(pair.nodes.map((n) => n.status()))) as unknown as NodeStatus[];
        const acks = ackTimes.filter((t) => t >= t0 - 1000).sort((x, y) => x - y);
        let gap = 0;
        let gapStart = t0;
        for (let i = 1; i < acks.length; i++)
          if (acks[i]! - acks[i - 1]! > gap) {
            gap = acks[i]! - acks[i - 1]!;
            gapStart = acks[i - 1]!;
          }
        const demotions = after.map((st, i) => {
          const b = before[i]!.role.demotions;
          return Object.entries(st.role.demotions)
            .filter(([k, v]) => v !== (b[k] ?? 0))
            .map(([k, v]) => `${pair.nodes[i]!.id}: ${k} ×${v - (b[k] ?? 0)}`);
        });
        const row = {
          round,
          fault,
          activeBefore: active.id,
          activeAfter: after.find((st) => st.role.role === 'active')
            ? pair.nodes[after.findIndex((st) => st.role.role === 'active')]!.id
            : null,
          longestAckGapMs: gap,
          gapStartsAfterFaultMs: gapStart - t0,
          leaseEpochSteps: (after[0]!.role.lease?.epoch ?? 0) - (before[0]!.role.lease?.epoch ?? 0),
          demotions: demotions.flat(),
          stallsRidden: after.reduce(
            (n, st, i) => n + st.role.stallsRidden - before[i]!.role.stallsRidden,
            0,
          ),
          loadavg1m: loadavg()[0],
        };
        results.push(row);
        process.stdout.write(`${JSON.stringify(row)}\n`);
      }
    }
    await load.stop();
    load = undefined;
    // Over the whole run, also between the measured windows (e.g. while a member rejoins).
    const end = (await Promise.all(pair.nodes.map((n) => n.status()))) as unknown as NodeStatus[];
    const totals = Object.fromEntries(end.map((st, i) => [pair.nodes[i]!.id, st.role.demotions]));
    process.stdout.write(`${JSON.stringify({ demotionsOverTheRun: totals })}\n`);
    writeResults('pair-faults', { streams, rounds, stallGraceMs, results, demotionsOverTheRun: totals });
  } finally {
    await load?.stop();
    await stop();
  }
});
