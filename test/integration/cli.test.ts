/** The `tandem` command as an operator runs it: config check, refusal to start, status. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CamProcess, CLI } from '../../ops/local-cam.js';
import { testCluster, waitForHealthyCluster } from '../harness/galera.js';

const run = promisify(execFile);
async function tandem(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tandem CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
  let cam: CamProcess;

  beforeAll(async () => {
    await waitForHealthyCluster();
    cam = await CamProcess.create({ id: 'cam-cli', dir, database: testCluster().connectionFor('b') });
    cam.start();
    await cam.waitAccepting();
  });
  afterAll(async () => {
    await cam?.stop();
  });

  it('bad configuration refuses start-up with one line per bad field, exit code 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'node:\n  id: cam-x\ncam:\n  primaryPort: 80\n  fileRotationTime: 4000000\n  typo: 1\n',
    );
    const r = await tandem('node', '--config', bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cam.primaryPort: 80 is out of range; allowed: 1025–65535');
    expect(r.stderr).toContain(
      'cam.fileRotationTime: 4000000 is out of range; allowed: 0 (disabled) or 1–3600000 ms',
    );
    expect(r.stderr).toContain('cam.typo: unknown field');
  });

  it('unreadable or malformed files are named', async () => {
    expect((await tandem('config', 'check', join(dir, 'missing.yaml'))).stderr).toMatch(
      /missing\.yaml: cannot be read/,
    );
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'node: [\n');
    const r = await tandem('config', 'check', broken);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml: not valid YAML/);
  });

  it('config check --print shows the effective values and hides passwords', async () => {
    const r = await tandem('config', 'check', '--print', cam.configFile);
    expect(r.code).toBe(0);
    const shown = JSON.parse(r.stdout);
    expect(shown.cam.fileRotationTime).toBe(20000);
    expect(shown.database.password).toBe('********');
  });

  it('status --json describes the running node', async () => {
    const r = await tandem('status', '--json', '--config', cam.configFile);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({
      node: { id: 'cam-cli' },
      accepting: true,
      database: { writable: true, clusterStatus: 'Primary' },
    });
    expect(s.alarms).toEqual([]);
  });

  it('status (human) and a node that is not there', async () => {
    const r = await tandem('status', '--config', cam.configFile);
    expect(r.stdout).toMatch(/accepting\s+yes/);
    const none = await tandem('status', '--admin', '127.0.0.1:9');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no node answers at 127\.0\.0\.1:9/);
  });

  it('ready: a started, healthy single node answers at once; no node fails at the deadline', async () => {
    const started = await tandem('ready', '--config', cam.configFile, '--timeout', '10');
    expect(started).toMatchObject({ code: 0, stdout: expect.stringContaining(': started') });
    const healthy = await tandem('ready', '--healthy', '--config', cam.configFile, '--timeout', '10');
    expect(healthy).toMatchObject({ code: 0, stdout: expect.stringContaining('acking') });
    const t0 = Date.now();
    const none = await tandem('ready', '--admin', '127.0.0.1:9', '--timeout', '1');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^tandem ready: 127\.0\.0\.1:9 not started after 1 s: no node answers: /);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const bad = await tandem('ready', '--admin', '127.0.0.1:9', '--timeout', 'soon');
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--timeout soon; allowed: a number of seconds > 0'),
    });
  });

  it('provision lam add / list / disable', async () => {
    expect(
      (await tandem('provision', 'lam', 'add', 'App7', '-d', 'seventh', '--config', cam.configFile)).stdout,
    ).toMatch(/App7 provisioned/);
    expect((await tandem('provision', 'lam', 'list', '--config', cam.configFile)).stdout).toMatch(
      /App7\tenabled\tseventh/,
    );
    expect((await tandem('provision', 'lam', 'disable', 'App7', '--config', cam.configFile)).stdout).toMatch(
      /disabled/,
    );
    expect((await tandem('provision', 'lam', 'add', 'bad/id', '--config', cam.configFile)).code).toBe(2);
  });
});
