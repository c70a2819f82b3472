import { describe, expect, it } from 'vitest';
import { sleep } from '../../kernel/process.js';
import { syntheticRu } from '../../lam/synthetic.js';
import { sqlOn } from '../harness/galera.js';
import { camAndLamProcesses } from '../harness/processes.js';

const KILLS = 20;

describe('LAM kill -9 with durable submits', () => {
  const ctx = camAndLamProcesses('lk9', 'a');

  it(`${KILLS} kill -9 of the LAM (and some of the CAM): no durably submitted RU lost, none doubled`, async () => {
    const { cam, lam, lamId } = ctx;
    const confirmed = new Set<string>();
    let n = 0;
    let attempts = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const batch = Array.from({ length: 5 }, () => {
          const ru = { ...syntheticRu(lamId, n), uID: `${lamId}-ru-${n}` };
          n++;
          return ru;
        });
        attempts++;
        try {
          const res = await lam.call('POST', '/rus?durable=true', batch, 5000);
          if (res.status === 200) for (const ru of batch) confirmed.add(ru.uID);
        } catch {
          await sleep(20); // LAM down: these RUs were never confirmed
        }
      }
    })();

    for (let kill = 1; kill <= KILLS; kill++) {
      await sleep(150 + Math.random() * 500);
      await lam.kill9();
      if (kill % 5 === 0) {
        await cam.kill9();
        cam.start();
      }
      lam.start();
      await lam.waitReady();
    }
    await sleep(500);
    producing = false;
    await producer;
    await cam.waitAccepting();
    await lam.waitDrained();

    const b = await sqlOn('b');
    const rows: { payload: string }[] = await b.query('SELECT payload FROM ledger_block WHERE lam_id = ?', [
      lamId,
    ]);
    await b.end();
    const uids = rows.flatMap((r) => (JSON.parse(r.payload) as { uID: string }[]).map((ru) => ru.uID));
    const inLedger = new Set(uids);
    process.stderr.write(
      `[lam-kill9] ${attempts} durable submits, ${confirmed.size} RUs confirmed, ${inLedger.size} RUs in the ledger\n`,
    );
    expect(uids.length).toBe(inLedger.size); // nothing twice
    expect([...confirmed].filter((u) => !inLedger.has(u))).toEqual([]); // nothing confirmed is missing
    expect(confirmed.size).toBeGreaterThan(500);
  });
});
