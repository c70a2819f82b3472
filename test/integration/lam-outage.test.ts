/**
 * The seed's LAM behaviour on real parts: the CAM goes away under steady load → blocks spool to
 * RUblocks_<date>@<time>.active/.closed files → the CAM returns → new blocks flow on the primary
 * stream at once while the spool drains on the recovery stream → every RU in the ledger exactly
 * once, and the spool ends empty.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../kernel/process.js';
import type { LamAgent } from '../../lam/agent.js';
import { syntheticRu } from '../../lam/synthetic.js';
import { CamProcess } from '../../ops/local-cam.js';
import { sqlOn, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { startLam } from '../harness/lams.js';
import { uniqueLamId } from '../harness/nodes.js';

describe('LAM through a CAM outage', () => {
  let cam: CamProcess;
  let lam: LamAgent;
  const lamId = uniqueLamId('out').slice(0, 32);

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await CamProcess.create({
      id: 'cam-lam-outage',
      dir: mkdtempSync(join(tmpdir(), 'tandem-out-')),
      database: testCluster().connectionFor('a'),
    });
    cam.start();
    await cam.waitAccepting();
    lam = await startLam(cam, { componentName: lamId, agent: { camUnreachableAlarmS: 2 } });
  });
  afterAll(async () => {
    await lam?.stop();
    await cam?.stop();
  });

  it('spools during the outage, resumes primary at once, drains recovery, loses and doubles nothing', async () => {
    const submitted = new Set<string>();
    let n = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        for (let i = 0; i < 2; i++) {
          const ru = { ...syntheticRu(lamId, n), uID: `${lamId}-ru-${n}` };
          n++;
          await lam.submit(ru);
          submitted.add(ru.uID);
        }
        await sleep(10);
      }
    })();

    await sleep(1500);
    await cam.stop();
    await sleep(4000);
    const spoolFiles = readdirSync(lam.spoolDir).filter((f) => f.startsWith('RUblocks_'));
    expect(spoolFiles.some((f) => /^RUblocks_\d{8}@\d{9}\.closed$/.test(f))).toBe(true);
    expect(
      spoolFiles.filter((f) => !/^RUblocks_\d{8}@\d{9}(-\d+)?\.(active|closed|reading|acked)$/.test(f)),
    ).toEqual([]);
    const backlog = lam.status().spool.unackedBlocks;
    expect(lam.alarms.isActive('CamUnreachable')).toBe(true);
    expect(backlog).toBeGreaterThan(20); // ~10 blocks/s of 20 RUs for 4 s

    const primaryAckedBefore = lam.counters.blocksAckedPrimary;
    const back = Date.now();
    cam.start();
    // New blocks flow on the primary stream while the backlog is still draining.
    await waitFor(
      'a primary ack after the CAM is back',
      async () => (lam.counters.blocksAckedPrimary > primaryAckedBefore + 5 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 20,
      },
    );
    const primaryResumedMs = Date.now() - back;
    expect(primaryResumedMs).toBeLessThan(10_000);
    await waitFor(
      'CamUnreachable to clear',
      async () => (lam.alarms.isActive('CamUnreachable') ? undefined : true),
      {
        timeoutMs: 5000,
      },
    );

    producing = false;
    await producer;
    await lam.drained(60_000);
    expect(lam.counters.blocksAckedRecovery).toBeGreaterThan(0);
    process.stderr.write(
      `[lam-outage] backlog ${backlog} blocks; primary acks resumed ${primaryResumedMs} ms after restart; ${lam.counters.blocksAckedRecovery} blocks via recovery\n`,
    );

    const b = await sqlOn('b');
    const rows: { stream: string; payload: string }[] = await b.query(
      'SELECT stream, payload FROM ledger_block WHERE lam_id = ?',
      [lamId],
    );
    await b.end();
    const uids = rows.flatMap((r) => (JSON.parse(r.payload) as { uID: string }[]).map((ru) => ru.uID));
    expect(uids.length).toBe(submitted.size);
    expect(new Set(uids)).toEqual(submitted);
    expect(rows.some((r) => r.stream === 'recovery')).toBe(true);
    expect(rows.some((r) => r.stream === 'primary')).toBe(true);
    await sleep(1500);
    expect(readdirSync(lam.spoolDir).filter((f) => /\.(closed|reading)$/.test(f))).toEqual([]);
  });
});
