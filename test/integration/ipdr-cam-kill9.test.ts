import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { sleep, waitFor } from '../../kernel/process.js';
import { tandemVersion } from '../../kernel/version.js';
import type { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { recorderId } from '../../node/accounting/ipdr/document.js';
import { IpdrRenderer } from '../../node/accounting/ipdr/ledger-ipdr.js';
import { verifyIpdrDir } from '../../node/accounting/ipdr/verify.js';
import { Database } from '../../node/replication/database.js';
import { CamProcess } from '../../ops/local-cam.js';
import { databaseConfigFor, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { closedIpdrFiles, sha256File } from '../harness/ipdr-files.js';
import { sender, uniqueLamId } from '../harness/nodes.js';

const KILLS = 10;
const BLOCKS = 600;
describe('IPDR writer under kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ipdrk9-'));
  let cam: CamProcess;
  const senders: DtpSender[] = [];

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await CamProcess.create({
      id: 'cam-ipdrk9',
      dir,
      database: testCluster().connectionFor('a'),
      extra: { cam: { fileRotationTime: 1000, fileRotationSize: 50_000 }, ipdr: { intervalMs: 100 } },
    });
    cam.start();
    await cam.waitAccepting();
  });
  afterAll(async () => {
    for (const s of senders) s.stop();
    await cam?.stop();
  });

  it(`${KILLS} kills mid-file: every record once, counts right, identical to the other member's rendering`, async () => {
    const lams = [uniqueLamId('ik1'), uniqueLamId('ik2')];
    senders.push(
      sender(cam.primaryTarget, lams[0]!, 'primary'),
      sender(cam.recoveryTarget, lams[1]!, 'recovery'),
    );
    const producer = (async () => {
      for (let seq = 1; seq <= BLOCKS; seq++) {
        for (const [i, s] of senders.entries()) {
          s.send({ blockSeq: seq, createdAtMs: 0, rus: syntheticBlockRus(lams[i]!, seq, 5) });
        }
        if (seq % 20 === 0) await sleep(150);
      }
    })();
    for (let k = 0; k < KILLS; k++) {
      await sleep(200 + Math.random() * 600);
      await cam.kill9();
      cam.start();
      await cam.waitAccepting();
    }
    await producer;
    await Promise.all(senders.map((s) => s.drained()));

    const acct = join(dir, 'cam-ipdrk9', 'accounting');
    const count = () =>
      closedIpdrFiles(acct).reduce((n, f) => {
        const text = readFileSync(join(acct, f), 'utf8');
        return (
          n + lams.reduce((m, lam) => m + (text.match(new RegExp(`<uID>${lam}-\\d+@`, 'g')) ?? []).length, 0)
        );
      }, 0);
    await waitFor(
      'every RU in a closed IPDR file',
      async () => (count() === 2 * BLOCKS * 5 ? true : undefined),
      {
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    );
    for (const lam of lams) {
      const uids = closedIpdrFiles(acct).flatMap(
        (f) => readFileSync(join(acct, f), 'utf8').match(new RegExp(`<uID>${lam}-\\d+@`, 'g')) ?? [],
      );
      expect(new Set(uids).size).toBe(uids.length);
    }
    const checks = await verifyIpdrDir(acct);
    expect(checks.filter((c) => c.problems.length > 0)).toEqual([]);

    // A fresh renderer on member B writes the same closed files, byte for byte.
    const onB = new Database(databaseConfigFor('b'), silentLogger());
    const other = mkdtempSync(join(tmpdir(), 'tandem-ipdrk9-b-'));
    const limits = {
      fileRotationSize: 50_000,
      fileRotationTime: 1000,
      recorderId: recorderId('127.0.0.1'),
      version: `2.0 Tandem/${tandemVersion()}`,
      compress: false,
    };
    const renderer = new IpdrRenderer(onB, join(other, 'acct'), other, limits, silentLogger());
    while ((await renderer.round()) > 0);
    await onB.close();
    const mine = closedIpdrFiles(acct);
    expect(mine.length).toBeGreaterThan(KILLS);
    for (const f of mine) expect(sha256File(join(other, 'acct', f))).toBe(sha256File(join(acct, f)));
  });
});
