/** The LAM as an operator runs it: `tandem lam run`, its API, `tandem lam inject` and `status`. */
import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { syntheticRu } from '../../lam/synthetic.js';
import { CLI } from '../../ops/local-cam.js';
import { LamProcess } from '../../ops/local-lam.js';
import { sqlOn } from '../harness/galera.js';
import { uniqueLamId } from '../harness/nodes.js';
import { camAndLamProcesses } from '../harness/processes.js';

const run = promisify(execFile);
const tandemWith = (env: Record<string, string>, ...args: string[]) =>
  run(process.execPath, [CLI, ...args], { timeout: 30_000, env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
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
      ctx.lam.api.listen,
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
    const r = await tandem('lam', 'inject', '--file', file, '--api', ctx.lam.api.listen);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.ndjson line 3: recTime must be an xs:dateTime/);
    expect((await ctx.lam.status()).counters.rusSubmitted).toBe(before);
    writeFileSync(file, '{"type": \n');
    expect((await tandem('lam', 'inject', '--file', file, '--api', ctx.lam.api.listen)).stderr).toMatch(
      /line 1: not JSON/,
    );
  });

  it('the API refuses an invalid RU with 400 naming the field', async () => {
    const res = await ctx.lam.call('POST', '/rus', [
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
    const r = await tandem('lam', 'status', '--api', ctx.lam.api.listen);
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

  it('the API socket is mode 0660; on TCP every request needs the token, which the CLI reads from the environment', {
    timeout: 60_000,
  }, async () => {
    expect(statSync(ctx.lam.api.listen).mode & 0o777).toBe(0o660);
    const tcpId = uniqueLamId('cli-tcp').slice(0, 32);
    const tcp = await LamProcess.create({ componentName: tcpId, dir: ctx.dir, cam: ctx.cam, tcpApi: true });
    tcp.start();
    try {
      await tcp.waitReady();
      const url = `http://${tcp.api.listen}`;
      expect((await fetch(`${url}/status`)).status).toBe(401);
      const wrong = await fetch(`${url}/rus`, {
        method: 'POST',
        headers: { authorization: `Bearer ${'w'.repeat(24)}`, 'content-type': 'application/json' },
        body: JSON.stringify(syntheticRu(tcpId, 1)),
      });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ error: 'the token is not valid' });
      expect((await fetch(`${url}/metrics`)).status).toBe(401);

      const file = join(ctx.dir, 'tcp.ndjson');
      writeFileSync(file, `${JSON.stringify({ ...syntheticRu(tcpId, 1), uID: `${tcpId}-1` })}\n`);
      const refused = await tandem('lam', 'inject', '--file', file, '--api', tcp.api.listen);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/authentication required/);
      const tokenFile = join(ctx.dir, 'lam-token');
      writeFileSync(tokenFile, `${tcp.api.token}\n`, { mode: 0o600 });
      const sent = await tandemWith(
        { TANDEM_LAM_TOKEN_FILE: tokenFile },
        ...['lam', 'inject', '--file', file, '--api', tcp.api.listen, '--durable'],
      );
      expect(sent.stdout).toMatch(/^1 RUs accepted \(durable\)/);
      const status = await tandemWith(
        { TANDEM_LAM_TOKEN: tcp.api.token },
        'lam',
        'status',
        '--api',
        tcp.api.listen,
      );
      expect(JSON.parse(status.stdout).counters).toMatchObject({ rusDurable: 1, apiUnauthenticated: 4 });
      const statusByConfig = await tandem('lam', 'status', '--config', tcp.configFile);
      expect(JSON.parse(statusByConfig.stdout).lam).toBe(tcpId);
    } finally {
      await tcp.stop();
    }
  });
});
