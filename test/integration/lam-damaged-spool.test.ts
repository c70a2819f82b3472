/**
 * A spool file with a torn tail (a crash mid-write, or damage): `tandem lam spool verify` reports
 * it; a starting LAM quarantines the damaged bytes, raises SpoolDamaged, and delivers every intact
 * block — exactly once — without crash-looping.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSegment } from '../../kernel/block-log.js';
import type { LamAgent } from '../../lam/agent.js';
import { syntheticRu } from '../../lam/synthetic.js';
import { CamProcess, CLI } from '../../ops/local-cam.js';
import { sqlOn, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { startLam } from '../harness/lams.js';
import { uniqueLamId } from '../harness/nodes.js';

const run = promisify(execFile);

describe('damaged LAM spool', () => {
  let cam: CamProcess;
  let lam: LamAgent | undefined;
  const lamId = uniqueLamId('dmg').slice(0, 32);
  const baseDir = mkdtempSync(join(tmpdir(), 'tandem-dmg-'));

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await CamProcess.create({
      id: 'cam-dmg',
      dir: mkdtempSync(join(tmpdir(), 'tandem-dmgc-')),
      database: testCluster().connectionFor('a'),
    });
  });
  afterAll(async () => {
    await lam?.stop();
    await cam?.stop();
  });

  it('quarantines a torn tail and delivers every intact block', async () => {
    // CAM not started: 100 RUs end up in the spool as 5 blocks of 20.
    const first = await startLam(cam, {
      componentName: lamId,
      baseDir,
      lam: { fileRotationTime: 0, fileRotationSize: 300_000 },
    });
    for (let n = 0; n < 100; n++)
      await first.submit({ ...syntheticRu(lamId, n), uID: `${lamId}-ru-${n}` }, { durable: n % 20 === 19 });
    await first.stop();

    const spoolDir = join(baseDir, lamId);
    const file = readdirSync(spoolDir).find((f) => f.startsWith('RUblocks_'))!;
    const path = join(spoolDir, file);
    const whole = decodeSegment(readFileSync(path));
    expect(whole.blocks.map((b) => b.ruCount)).toEqual([20, 20, 20, 20, 20]);
    truncateSync(path, readFileSync(path).length - 10); // tear the last block

    const verify = await run(process.execPath, [CLI, 'lam', 'spool', 'verify', spoolDir]).catch((e) => e);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/4 blocks\t80 RUs\t\d+ bytes\tDAMAGED \(torn tail of \d+ bytes\)/);

    cam.start();
    await cam.waitAccepting();
    lam = await startLam(cam, { componentName: lamId, baseDir });
    expect(lam.alarms.isActive('SpoolDamaged')).toBe(true);
    expect(lam.status().recovered?.quarantined).toEqual([
      expect.objectContaining({ file, problem: 'torn', keptBlocks: 4 }),
    ]);
    expect(readdirSync(join(spoolDir, 'quarantine'))).toHaveLength(1);
    await lam.drained(30_000);

    const b = await sqlOn('b');
    const rows: { payload: string }[] = await b.query('SELECT payload FROM ledger_block WHERE lam_id = ?', [
      lamId,
    ]);
    await b.end();
    const uids = rows.flatMap((r) => (JSON.parse(r.payload) as { uID: string }[]).map((ru) => ru.uID)).sort();
    expect(uids).toEqual(Array.from({ length: 80 }, (_, n) => `${lamId}-ru-${n}`).sort());
  });
});
