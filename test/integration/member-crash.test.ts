/**
 * kill -9 of the *other* database member while a CAM acks on member A: with garbd, A stays in the
 * Primary component, the CAM keeps acking after the eviction, and member B rejoins by IST after a
 * restart (wsrep_recover) with every block exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../kernel/process.js';
import type { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { sqlOn, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { sender, startCamNode, uniqueLamId } from '../harness/nodes.js';

describe('peer database member crash', () => {
  let cam: Awaited<ReturnType<typeof startCamNode>>;
  const cluster = testCluster();
  const senders: DtpSender[] = [];

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await startCamNode('a', { id: 'cam-peercrash' });
  });
  afterAll(async () => {
    for (const s of senders) s.stop();
    await cam?.node.stop();
    if (!cluster.isRunning('b')) await cluster.restart('b');
    await waitForHealthyCluster();
  });

  it('keeps acking through the loss of member B; B rejoins with everything', async () => {
    const lams = [uniqueLamId('pc1'), uniqueLamId('pc2')];
    const ackTimes: number[] = [];
    for (const lam of lams) {
      const s = sender(cam.primary, lam, 'primary', () => ackTimes.push(Date.now()));
      senders.push(s);
    }
    let seq = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        seq++;
        senders.forEach((s, i) => {
          s.send({ blockSeq: seq, createdAtMs: Date.now(), rus: syntheticBlockRus(lams[i]!, seq, 5) });
        });
        await sleep(20);
      }
    })();

    await sleep(1500);
    const killedAt = Date.now();
    await cluster.kill('b');
    await cluster.waitForState('a', (s) => s.clusterSize === 2 && s.clusterStatus === 'Primary', 30_000);
    await sleep(2000);
    const ackedAfterEviction = ackTimes.filter((t) => t > Date.now() - 1500).length;
    expect(ackedAfterEviction).toBeGreaterThan(0);
    expect(cam.node.refusal()).toBeUndefined();

    await cluster.restart('b');
    await cluster.waitForState('b', (s) => s.localState === 'Synced' && s.clusterSize === 3, 90_000);
    producing = false;
    await producer;
    await Promise.all(senders.map((s) => s.drained()));

    // The longest pause in acks around the kill: the eviction time that bounds a failover.
    const sorted = ackTimes.filter((t) => t >= killedAt - 1000).sort((x, y) => x - y);
    let gap = 0;
    for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, sorted[i]! - sorted[i - 1]!);
    process.stderr.write(`[member-crash] longest ack pause after kill -9 of member B: ${gap} ms\n`);

    const b = await sqlOn('b');
    try {
      for (const lam of lams) {
        const rows = await b.query(
          'SELECT COUNT(*) AS n, MIN(block_seq) AS lo, MAX(block_seq) AS hi FROM ledger_block WHERE lam_id = ?',
          [lam],
        );
        expect(rows[0]).toEqual({ n: seq, lo: 1, hi: seq });
      }
    } finally {
      await b.end();
    }
  });
});
