/** A CAM node and a LAM daemon as real processes, wired together, for one test file. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { CamProcess } from '../../ops/local-cam.js';
import { LamProcess } from '../../ops/local-lam.js';
import { testCluster, waitForHealthyCluster } from './galera.js';
import { uniqueLamId } from './nodes.js';

/** Registers beforeAll/afterAll hooks; the returned object is filled in by beforeAll. */
export function camAndLamProcesses(prefix: string, member: 'a' | 'b') {
  const ctx = {
    dir: mkdtempSync(join(tmpdir(), `tandem-${prefix}-`)),
    lamId: uniqueLamId(prefix).slice(0, 32),
    cam: undefined as unknown as CamProcess,
    lam: undefined as unknown as LamProcess,
  };
  beforeAll(async () => {
    await waitForHealthyCluster();
    ctx.cam = await CamProcess.create({
      id: `cam-${prefix}`,
      dir: ctx.dir,
      database: testCluster().connectionFor(member),
    });
    ctx.cam.start();
    await ctx.cam.waitAccepting();
    ctx.lam = await LamProcess.create({ componentName: ctx.lamId, dir: ctx.dir, cam: ctx.cam });
    ctx.lam.start();
    await ctx.lam.waitReady();
  });
  afterAll(async () => {
    await ctx.lam?.stop();
    await ctx.cam?.stop();
  });
  return ctx;
}
