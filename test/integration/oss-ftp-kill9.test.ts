/**
 * kill -9 of the pushing CAM process at random points while files are being uploaded (vsftpd is
 * throttled so uploads take a while): after the restarts every closed file is on the server once,
 * complete, with no `.part` left, and marked `.transferred` locally.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../kernel/process.js';
import type { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { CamProcess } from '../../ops/local-cam.js';
import type { LocalFtpServer } from '../../ops/local-ftp.js';
import {
  expectAllDelivered,
  filesIn,
  ftpPushConfig,
  ftpServer,
  renamesPerFile,
  waitAllMarked,
} from '../harness/ftp.js';
import { freshDatabase, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { sender, uniqueLamId } from '../harness/nodes.js';

const KILLS = 6;
const BLOCKS = 150;

describe('FTP push under kill -9', () => {
  let cam: CamProcess | undefined;
  let server: LocalFtpServer | undefined;
  const senders: DtpSender[] = [];
  afterAll(async () => {
    for (const s of senders) s.stop();
    await cam?.stop();
    await server?.destroy();
  });

  it(`${KILLS} kills while uploading: each file on the server once, complete, no .part, marked locally`, async () => {
    await waitForHealthyCluster();
    server = await ftpServer({ maxRateBytes: 40_000 });
    await server.start();
    const push = ftpPushConfig(server);
    const dir = mkdtempSync(join(tmpdir(), 'tandem-ftpk9-'));
    cam = await CamProcess.create({
      id: 'cam-ftpk9',
      dir,
      database: { ...testCluster().connectionFor('a'), database: await freshDatabase('ftp_kill9') },
      extra: {
        cam: { fileRotationTime: 500, fileRotationSize: 20_000, ...push.cam },
        ipdr: { intervalMs: 100 },
        delivery: push.delivery,
      },
    });
    cam.start();
    await cam.waitAccepting();
    const lams = [uniqueLamId('fk-p'), uniqueLamId('fk-r')];
    senders.push(
      sender(cam.primaryTarget, lams[0]!, 'primary'),
      sender(cam.recoveryTarget, lams[1]!, 'recovery'),
    );
    const producer = (async () => {
      for (let seq = 1; seq <= BLOCKS; seq++) {
        senders.forEach((s, i) => {
          s.send({ blockSeq: seq, createdAtMs: 0, rus: syntheticBlockRus(lams[i]!, seq, 5) });
        });
        if (seq % 10 === 0) await sleep(100);
      }
    })();
    // Each kill lands while an upload is in progress: a `.part` file on the server is growing.
    const partSizes = () =>
      new Map(
        filesIn(server!.root)
          .filter((f) => f.endsWith('.part'))
          .map((f) => [f, statSync(join(server!.root, f), { throwIfNoEntry: false })?.size ?? -1]),
      );
    let midUpload = 0;
    for (let k = 0; k < KILLS; k++) {
      const uploading = await waitFor(
        'an upload in progress',
        async () => {
          const before = partSizes();
          await sleep(40);
          const after = partSizes();
          return [...after].some(([f, size]) => before.has(f) && size > before.get(f)!) ? true : undefined;
        },
        { timeoutMs: 8000, intervalMs: 10 },
      ).catch(() => false);
      if (uploading) midUpload++;
      await cam.kill9();
      cam.start();
      await cam.waitAccepting();
    }
    await producer;
    await Promise.all(senders.map((s) => s.drained()));
    await waitFor(
      'every closed file delivered',
      async () => {
        const s = (await cam!.status()) as { delivery: { ftp: { backlogFiles: number | null } } };
        return s.delivery.ftp.backlogFiles === 0 ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const acct = join(dir, 'cam-ftpk9', 'accounting');
    await waitAllMarked(acct);
    const files = expectAllDelivered(acct, server);
    expect(files).toBeGreaterThan(10);
    const renames = renamesPerFile(server);
    expect([...renames.values()].filter((n) => n !== 1)).toEqual([]);
    expect(renames.size).toBe(files);
    // FTP cannot tell a killed client from a finished upload (both end the data connection), so a
    // cut-off upload shows as an extra upload of the same `.part` name.
    const interrupted = server.completedUploads().length - files;
    process.stderr.write(
      `[ftp kill -9] ${files} files delivered once each; ${midUpload} kills during an upload, ${interrupted} uploads cut off\n`,
    );
    expect(interrupted).toBeGreaterThan(0); // the adversity did happen
  });
});
