/**
 * Invariant 1 under adversity: kill -9 of the CAM process at random points while several LAM
 * streams send ≥ 10,000 blocks; after every restart the LAMs resend what was not acknowledged.
 * Every acknowledged block must be in the ledger exactly once, with the RUs that were sent.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../kernel/process.js';
import type { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { CamProcess } from '../../ops/local-cam.js';
import { sqlOn, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { sender, uniqueLamId } from '../harness/nodes.js';

const LAMS = 4;
const BLOCKS_PER_LAM = 2500;
const RUS_PER_BLOCK = 3;
const KILLS = 20;

describe('CAM kill -9 under load', () => {
  let cam: CamProcess;
  const senders: DtpSender[] = [];

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await CamProcess.create({
      id: 'cam-kill9',
      dir: mkdtempSync(join(tmpdir(), 'tandem-kill9-')),
      database: testCluster().connectionFor('a'),
    });
    cam.start();
    await cam.waitAccepting();
  });
  afterAll(async () => {
    for (const s of senders) s.stop();
    await cam?.stop();
  });

  it(`${KILLS} random kill -9 during ${LAMS * BLOCKS_PER_LAM} blocks: every acked block stored exactly once`, async () => {
    const lamIds = Array.from({ length: LAMS }, (_, i) => uniqueLamId(`k9-${i}`));
    const ackedBeforeKill: Set<string>[] = [];
    const acked = new Set<string>();
    for (const lamId of lamIds) {
      const s = sender(cam.primaryTarget, lamId, 'primary', (seq) => acked.add(`${lamId}#${seq}`));
      senders.push(s);
    }

    // Producer: blocks arrive steadily while the CAM is being killed.
    let produced = 0;
    const producer = (async () => {
      for (let seq = 1; seq <= BLOCKS_PER_LAM; seq++) {
        senders.forEach((s, i) => {
          s.send({
            blockSeq: seq,
            createdAtMs: Date.now(),
            rus: syntheticBlockRus(lamIds[i]!, seq, RUS_PER_BLOCK),
          });
        });
        produced += LAMS;
        // ~25 s of production: the kills land while blocks are being sent, stored and acked.
        if (seq % 25 === 0) await sleep(250);
      }
    })();

    let kills = 0;
    while (kills < KILLS) {
      await sleep(50 + Math.random() * 600);
      ackedBeforeKill.push(new Set(acked));
      await cam.kill9();
      kills++;
      cam.start();
      await cam.waitAccepting();
    }
    await producer;
    await Promise.all(senders.map((s) => s.drained()));
    expect(produced).toBe(LAMS * BLOCKS_PER_LAM);
    const duplicates = senders.reduce((n, s) => n + s.stats.duplicates, 0);
    const resent = senders.reduce((n, s) => n + s.stats.sent, 0) - LAMS * BLOCKS_PER_LAM;
    // Stored-but-unacked blocks at a kill come back as duplicates: proof that kills hit commits.
    process.stderr.write(
      `[kill9] ${kills} kills, ${resent} blocks resent, ${duplicates} acked as duplicates\n`,
    );
    expect(acked.size).toBe(LAMS * BLOCKS_PER_LAM);
    // The kills really happened mid-stream: some blocks were acked before the last kill, not all.
    const beforeLast = ackedBeforeKill.at(-1)!.size;
    expect(beforeLast).toBeGreaterThan(0);
    expect(ackedBeforeKill[0]!.size).toBeLessThan(LAMS * BLOCKS_PER_LAM);

    // Read on the *other* member: replication is part of the promise.
    const b = await sqlOn('b');
    try {
      for (const lamId of lamIds) {
        const rows: { block_seq: number; ru_count: number; payload: string }[] = await b.query(
          'SELECT block_seq, ru_count, payload FROM ledger_block WHERE lam_id = ? ORDER BY block_seq',
          [lamId],
        );
        expect(rows.map((r) => r.block_seq)).toEqual(Array.from({ length: BLOCKS_PER_LAM }, (_, i) => i + 1));
        for (const r of rows) {
          expect(r.ru_count).toBe(RUS_PER_BLOCK);
          expect(JSON.parse(r.payload)).toEqual(syntheticBlockRus(lamId, r.block_seq, RUS_PER_BLOCK));
        }
      }
    } finally {
      await b.end();
    }
    const status = (await cam.status()) as { journal: { lastReplay: { segments: number } } };
    expect(status.journal.lastReplay.segments).toBeGreaterThanOrEqual(KILLS);
  });
});
