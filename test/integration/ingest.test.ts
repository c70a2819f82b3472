import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import type { CamNode } from '../../node/cam-node.js';
import { sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { sender, startCamNode, uniqueLamId } from '../harness/nodes.js';

describe('CAM ingest on the real Galera pair', () => {
  let cam: { node: CamNode; primary: string; recovery: string };

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await startCamNode('a');
  });
  afterAll(async () => {
    await cam?.node.stop();
  });

  it('a block acked by the CAM on node A is in the ledger on node B, with its RUs', async () => {
    const lam = uniqueLamId('lamAB');
    const s = sender(cam.primary, lam);
    const rus = syntheticBlockRus(lam, 1, 20);
    s.send({ blockSeq: 1, createdAtMs: Date.now(), rus });
    await s.drained();
    s.stop();
    const b = await sqlOn('b');
    try {
      const rows = await b.query(
        'SELECT stream, ru_count, payload, received_by FROM ledger_block WHERE lam_id = ?',
        [lam],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].stream).toBe('primary');
      expect(rows[0].ru_count).toBe(20);
      expect(rows[0].received_by).toBe('cam-a');
      expect(JSON.parse(rows[0].payload)).toEqual(rus);
    } finally {
      await b.end();
    }
  });

  it('a re-sent block is acknowledged again (as duplicate) and stored once', async () => {
    const lam = uniqueLamId('lamDup');
    const acks: string[] = [];
    const first = sender(cam.primary, lam);
    first.send({ blockSeq: 7, createdAtMs: 1, rus: syntheticBlockRus(lam, 7, 3) });
    await first.drained();
    first.stop();
    // The same block again, on the recovery stream this time (as a LAM would after a crash).
    const again = sender(cam.recovery, lam, 'recovery', (_seq, status) => acks.push(status));
    again.send({ blockSeq: 7, createdAtMs: 1, rus: syntheticBlockRus(lam, 7, 3) });
    await again.drained();
    again.stop();
    expect(acks).toEqual(['duplicate']);
    const a = await sqlOn('a');
    try {
      const rows = await a.query(
        'SELECT COUNT(*) AS n, MIN(stream) AS stream FROM ledger_block WHERE lam_id = ?',
        [lam],
      );
      expect(rows[0].n).toBe(1);
      expect(rows[0].stream).toBe('primary');
    } finally {
      await a.end();
    }
  });

  it('reports status with database, ingest counters and open streams', async () => {
    const lam = uniqueLamId('lamStatus');
    const s = sender(cam.primary, lam);
    s.send({ blockSeq: 1, createdAtMs: 1, rus: syntheticBlockRus(lam, 1, 1) });
    await s.drained();
    const status = cam.node.status();
    expect(status.accepting).toBe(true);
    expect(status.database.clusterStatus).toBe('Primary');
    expect(status.database.clusterSize).toBe(3);
    expect(status.dtp?.streams.some((st) => st.lamId === lam && st.blocksAcked === 1)).toBe(true);
    s.stop();
  });
});
