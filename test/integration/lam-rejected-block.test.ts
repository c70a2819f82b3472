/**
 * A block the CAM rejects for good (here: larger than the CAM's max_block_bytes) must not wedge the
 * LAM's stream: it is quarantined with the CAM's reason, alarmed, and the blocks after it flow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LamAgent } from '../../lam/agent.js';
import { syntheticRu } from '../../lam/synthetic.js';
import { sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { startLam } from '../harness/lams.js';
import { startCamNode, uniqueLamId } from '../harness/nodes.js';

describe('a block the CAM rejects for good', () => {
  let cam: Awaited<ReturnType<typeof startCamNode>>;
  let lam: LamAgent;
  const lamId = uniqueLamId('rej').slice(0, 32);

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await startCamNode('a', { id: 'cam-small-blocks', ingest: { maxBlockBytes: 4096 } });
    const port = (t: string) => Number(t.split(':')[1]);
    lam = await startLam(
      { primaryPort: port(cam.primary), recoveryPort: port(cam.recovery) },
      { componentName: lamId },
    );
  });
  afterAll(async () => {
    await lam?.stop();
    await cam?.node.stop();
  });

  it('is quarantined with the reason; the blocks before and after it are delivered', async () => {
    const ru = (n: number, big = false) => ({
      ...syntheticRu(lamId, n),
      uID: `${lamId}-${n}`,
      ...(big ? { oUA: 'u'.repeat(2000), tUA: 't'.repeat(2000) } : {}),
    });
    await lam.submitMany([ru(1), ru(2), ru(3)], { durable: true });
    await lam.submitMany([ru(4, true), ru(5, true), ru(6, true)], { durable: true });
    await lam.submitMany([ru(7), ru(8), ru(9)], { durable: true });
    await lam.drained(30_000);

    expect(lam.counters.blocksRejectedByCam).toBe(1);
    // (Disk alarms may be up too: they depend on how full this machine's /tmp is.)
    expect(lam.alarms.list().filter((a) => !a.name.startsWith('DiskMon'))).toEqual([
      expect.objectContaining({
        name: 'BlockRejected',
        reason: expect.stringMatching(/ERROR_CODE_OVERSIZED_BLOCK/),
      }),
    ]);
    const quarantined = readdirSync(join(lam.spoolDir, 'quarantine')).filter((f) => f.startsWith('block-'));
    expect(quarantined).toHaveLength(1);
    const kept = JSON.parse(readFileSync(join(lam.spoolDir, 'quarantine', quarantined[0]!), 'utf8'));
    expect(kept.rus.map((r: { uID: string }) => r.uID)).toEqual([`${lamId}-4`, `${lamId}-5`, `${lamId}-6`]);

    const b = await sqlOn('b');
    const rows: { payload: string }[] = await b.query('SELECT payload FROM ledger_block WHERE lam_id = ?', [
      lamId,
    ]);
    await b.end();
    const uids = rows.flatMap((r) => (JSON.parse(r.payload) as { uID: string }[]).map((x) => x.uID)).sort();
    expect(uids).toEqual([1, 2, 3, 7, 8, 9].map((n) => `${lamId}-${n}`));
  });
});
