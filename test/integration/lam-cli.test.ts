/** The LAM as an operator runs it: `tandem lam run`, its API, `tandem lam inject` and `status`. */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { callLamApi } from '../../lam/api-client.js';
import { syntheticRu } from '../../lam/synthetic.js';
import { CLI } from '../../ops/local-cam.js';
import { sqlOn } from '../harness/galera.js';
import { camAndLamProcesses } from '../harness/processes.js';

const run = promisify(execFile);
const tandem = (...args: string[]) =>
  run(process.execPath, [CLI, ...args], { timeout: 30_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

describe('tandem lam', () => {
  const ctx = camAndLamProcesses('cli', 'b');
  const { lamId } = ctx;

  it('inject --durable delivers a JSON-lines file', async () => {
    const file = join(ctx.dir, 'good.ndjson');
    writeFileSync(
      file,
      `${Array.from({ length: 50 }, (_, n) => JSON.stringify({ ...syntheticRu(lamId, n), uID: `${lamId}-${n}` })).join('\n')}\n`,
    );
    const r = await tandem(
      'lam',
      'inject',
      '--file',
      file,
      '--api',
      ctx.lam.api,
      '--durable',
      '--batch',
      '7',
    );
    expect(r.stdout).toBe('50 RUs accepted (durable)\n');
    await ctx.lam.waitDrained();
    const b = await sqlOn('b');
    const rows = await b.query('SELECT SUM(ru_count) AS rus FROM ledger_block WHERE lam_id = ?', [lamId]);
    await b.end();
    expect(rows[0].rus).toBe(50);
  });

  it('inject names the line and field of a bad RU and sends nothing', async () => {
    const file = join(ctx.dir, 'bad.ndjson');
    const good = JSON.stringify(syntheticRu(lamId, 1));
    writeFileSync(
      file,
      `${good}\n${good}\n${JSON.stringify({ ...syntheticRu(lamId, 2), recTime: 'noon' })}\n`,
    );
    const before = (await ctx.lam.status()).counters.rusSubmitted;
    const r = await tandem('lam', 'inject', '--file', file, '--api', ctx.lam.api);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.ndjson line 3: recTime must be an xs:dateTime/);
    expect((await ctx.lam.status()).counters.rusSubmitted).toBe(before);
    writeFileSync(file, '{"type": \n');
    expect((await tandem('lam', 'inject', '--file', file, '--api', ctx.lam.api)).stderr).toMatch(
      /line 1: not JSON/,
    );
  });

  it('the API refuses an invalid RU with 400 naming the field', async () => {
    const res = await callLamApi(ctx.lam.api, 'POST', '/rus', [
      syntheticRu(lamId, 1),
      { ...syntheticRu(lamId, 2), referStatus: 7 },
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      field: '[1].referStatus',
      error: expect.stringMatching(/0 \(unknown\), 1 \(failure\) or 2/),
    });
  });

  it('status reports streams, counters and spool', async () => {
    const r = await tandem('lam', 'status', '--api', ctx.lam.api);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      lam: lamId,
      primary: { connected: true },
      recovery: { connected: true },
      spool: { unackedBlocks: 0 },
    });
    expect(s.counters.rusDurable).toBe(50);
  });

  it('a second daemon on the same spool, or spool repair on a live spool, is refused naming the owner', async () => {
    const pid = ctx.lam.daemon!.pid;
    const second = await tandem('lam', 'run', '--config', ctx.lam.configFile);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(`is in use by tandem lam run ${lamId} \\(pid ${pid}\\); stop it first`),
    );
    const repair = await tandem('lam', 'spool', 'repair', join(ctx.dir, 'spool', lamId));
    expect(repair.code).toBe(2);
    expect(repair.stderr).toMatch(/is in use by tandem lam run/);
    const missing = await tandem('lam', 'spool', 'verify', join(ctx.dir, 'no-such-dir'));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`tandem: ${join(ctx.dir, 'no-such-dir')}: no such directory`);
  });
});
