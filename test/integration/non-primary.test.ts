/**
 * Invariant 2: a CAM whose database member is not in a Primary component acknowledges nothing.
 * B and garbd are SIGSTOPped, so A is alone (1 of 3 votes) and goes non-Primary for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../kernel/process.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import type { CamNode } from '../../node/cam-node.js';
import { testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { sender, startCamNode, uniqueLamId } from '../harness/nodes.js';

describe('CAM on a member without quorum', () => {
  let cam: { node: CamNode; primary: string };
  const cluster = testCluster();

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await startCamNode('a', { id: 'cam-np' });
  });
  afterAll(async () => {
    for (const m of ['b', 'garbd']) {
      try {
        cluster.signal(m, 'SIGCONT');
      } catch {
        // not running
      }
    }
    await cam?.node.stop();
    await waitForHealthyCluster();
  });

  it('acks nothing while non-Primary, says why, and acks again once quorum returns', async () => {
    const lam = uniqueLamId('np');
    const acks: { seq: number; at: number }[] = [];
    const s = sender(cam.primary, lam, 'primary', (seq) => acks.push({ seq, at: Date.now() }));
    s.send({ blockSeq: 1, createdAtMs: 1, rus: syntheticBlockRus(lam, 1, 2) });
    await s.drained();

    const replayBefore = cam.node.status().journal.lastReplay;
    await cluster.pause('b');
    await cluster.pause('garbd');
    const stoppedAt = Date.now();
    // A notices it is alone once the peers are evicted (fast EVS: ~4 s).
    await cluster.waitForState('a', (st) => st.clusterStatus !== 'Primary', 30_000);
    const nonPrimaryAt = Date.now();
    // The role may stop acking first (a write stall); the member's health names the cause soon after.
    await waitFor(
      'the CAM to refuse, naming the database',
      async () => (cam.node.alarms.isActive('DatabaseNotWritable') && cam.node.refusal() ? true : undefined),
      { timeoutMs: 10_000 },
    );
    expect(cam.node.refusal()).toMatch(/not in a Primary component|not ready|database/);
    expect(cam.node.alarms.isActive('DatabaseNotWritable')).toBe(true);

    for (let seq = 2; seq <= 11; seq++)
      s.send({ blockSeq: seq, createdAtMs: 1, rus: syntheticBlockRus(lam, seq, 2) });
    await sleep(3000);
    expect(acks.filter((a) => a.seq > 1)).toEqual([]);
    expect(s.stats.lastError).toMatch(/NOT_ACCEPTING|stream/);

    const resumedAt = Date.now();
    cluster.signal('b', 'SIGCONT');
    cluster.signal('garbd', 'SIGCONT');
    await waitForHealthyCluster();
    await s.drained();
    s.stop();
    // Nothing sent during the outage was acked before the peers came back.
    expect(acks.filter((a) => a.seq > 1 && a.at < resumedAt)).toEqual([]);
    expect(acks.map((a) => a.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(nonPrimaryAt - stoppedAt).toBeLessThan(30_000);
    expect(cam.node.alarms.isActive('DatabaseNotWritable')).toBe(false);
    // Back in the Primary component, the node replayed its journal before acking again.
    expect(cam.node.status().journal.lastReplay).not.toBe(replayBefore);
  });
});
