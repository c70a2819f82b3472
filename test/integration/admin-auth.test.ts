/**
 * The admin API with operator tokens (node.adminTokensFile), against a real node and the real CLI:
 * no credential → 401, a reader cannot command (403), an operator can; every command request is in
 * the audit log with who, what and the result; revoking a token in the file takes effect without a
 * restart; /health stays open for probes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/process.js';
import type { CamNode } from '../../node/cam-node.js';
import { CLI } from '../../ops/local-process.js';
import { waitForHealthyCluster } from '../harness/galera.js';
import { startCamNode } from '../harness/nodes.js';

const run = promisify(execFile);
async function tandem(env: Record<string, string>, ...args: string[]) {
  try {
    const r = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'tandem-admin-auth-'));
const tokensFile = join(dir, 'admin-tokens.yaml');
let node: CamNode;
let admin: string;
let dataDir: string;
const tokens = { alice: '', bob: '' };

const call = (path: string, token?: string, body?: unknown) =>
  fetch(`http://${admin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  await waitForHealthyCluster();
  for (const [name, role] of [
    ['alice', 'operator'],
    ['bob', 'reader'],
  ] as const) {
    const r = await tandem({}, 'admin-token', '--file', tokensFile, '--name', name, '--role', role);
    expect(r.code, r.stderr).toBe(0);
    tokens[name] = r.stdout.trim();
  }
  expect(readFileSync(tokensFile, 'utf8')).not.toContain(tokens.alice);
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-cam-auth-'));
  ({ node, admin } = await startCamNode('a', {
    id: 'cam-auth',
    dataDir,
    node: { adminTokensFile: tokensFile },
  }));
});
afterAll(async () => {
  await node?.stop();
});

describe('admin API authentication', () => {
  it('401 without a valid token, 403 for a reader command, an operator commands; all audited', async () => {
    for (const path of ['/status', '/metrics', '/alarms']) {
      expect((await call(path)).status, path).toBe(401);
      expect((await call(path, `${tokens.bob}x`)).status, path).toBe(401);
      expect((await call(path, tokens.bob)).status, path).toBe(200);
    }
    expect((await call('/health')).status).toBe(200);

    const anonymous = await call('/commands/maintenance', undefined, { on: true });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const reader = await call('/commands/maintenance', tokens.bob, { on: true });
    expect(reader.status).toBe(403);
    expect(((await reader.json()) as { error: string }).error).toMatch(/bob is a reader/);
    // The same command spelled with percent-encoding routes to the same handler: still a command
    // (found while writing the hostile-input fuzzer: the check went by the raw URL).
    for (const spelled of ['/%63ommands/maintenance', '/commands/maint%65nance', '/./commands/maintenance']) {
      const r = await call(spelled, tokens.bob, { on: true });
      expect(r.status, spelled).toBe(403);
    }
    const invalid = await call('/commands/maintenance', tokens.alice, { on: 'yes' });
    expect(invalid.status).toBe(400);
    // On a single active node, maintenance is refused (no peer to hand over to): refused is audited too.
    const on = await call('/commands/maintenance', tokens.alice, { on: true });
    const off = await call('/commands/maintenance', tokens.alice, { on: false });
    const outcome = (r: Response) => ({ 200: 'accepted', 409: 'refused' })[r.status as 200 | 409];
    expect([outcome(on), outcome(off)]).not.toContain(undefined);

    const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { operator: string | null; result: string; command: string; from: string },
      );
    expect(audit.map((a) => [a.operator, a.result, a.command])).toEqual([
      [null, 'unauthenticated', 'maintenance'],
      ['bob', 'forbidden', 'maintenance'],
      ['bob', 'forbidden', 'maintenance'],
      ['bob', 'forbidden', 'maintenance'],
      ['bob', 'forbidden', 'maintenance'],
      ['alice', 'invalid', 'maintenance'],
      ['alice', outcome(on), 'maintenance'],
      ['alice', outcome(off), 'maintenance'],
    ]);
    expect(audit.every((a) => a.from === '127.0.0.1')).toBe(true);
    // Tokens never reach the audit log.
    const text = readFileSync(join(dataDir, 'audit.log'), 'utf8');
    for (const t of Object.values(tokens)) expect(text).not.toContain(t);
  });

  it('the CLI takes the token from the environment or a file; a revoked token stops working at once', async () => {
    const without = await tandem({}, 'status', '--admin', admin, '--json');
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/authentication required.*TANDEM_ADMIN_TOKEN_FILE/);
    const tokenFile = join(dir, 'bob.token');
    writeFileSync(tokenFile, `${tokens.bob}\n`, { mode: 0o600 });
    const withFile = await tandem(
      { TANDEM_ADMIN_TOKEN_FILE: tokenFile },
      'status',
      '--admin',
      admin,
      '--json',
    );
    expect(withFile.code, withFile.stderr).toBe(0);
    expect(JSON.parse(withFile.stdout).node.id).toBe('cam-auth');
    const readerCommand = await tandem(
      { TANDEM_ADMIN_TOKEN: tokens.bob },
      'maintenance',
      'off',
      '--admin',
      admin,
    );
    expect(readerCommand.code).toBe(1);
    expect(readerCommand.stderr).toMatch(/bob is a reader/);

    // Revoke bob: only alice stays in the file.
    const kept = readFileSync(tokensFile, 'utf8').split('- name: bob')[0]!;
    writeFileSync(tokensFile, kept);
    await waitFor(
      'bob to be refused',
      async () => ((await call('/status', tokens.bob)).status === 401 ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    expect((await call('/status', tokens.alice)).status).toBe(200);
  });
});
