/** A vsftpd per test (ops/local-ftp.ts) and the checks every FTP delivery test makes. */

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { waitFor } from '../../kernel/process.js';
import { freePort } from '../../ops/local-cam.js';
import { FTP_TEST_USER, type LocalFtpOptions, LocalFtpServer } from '../../ops/local-ftp.js';
import { sha256File } from './ipdr-files.js';

export const FTP_PASSWORD = 'tandem-test-Secret-42';

export async function ftpServer(opts: Partial<LocalFtpOptions> = {}): Promise<LocalFtpServer> {
  return new LocalFtpServer({
    dir: mkdtempSync(join(tmpdir(), 'tandem-ftp-')),
    port: await freePort(),
    password: FTP_PASSWORD,
    ...opts,
  });
}

/** The CAM settings that push to `server` (Primary → /Primary, Recovery → /Recovery). */
export function ftpPushConfig(server: LocalFtpServer, delivery: Record<string, unknown> = {}) {
  return {
    cam: {
      ftpPushEnabled: true,
      remoteFtpNodeId: '127.0.0.1',
      ftpUserId: FTP_TEST_USER,
      ftpUserPassword: FTP_PASSWORD,
      primaryFtpDirectory: '/Primary',
      recoveryFtpDirectory: '/Recovery',
    },
    delivery: {
      intervalMs: 100,
      ftpPort: server.port,
      ftpTimeoutMs: 5000,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      failureAlarmAfterMs: 1000,
      ...delivery,
    },
  };
}

/** Files under Primary/ and Recovery/ of a directory, as "Series/name". */
export function filesIn(root: string): string[] {
  return ['Primary', 'Recovery'].flatMap((s) =>
    existsSync(join(root, s)) ? readdirSync(join(root, s)).map((f) => `${s}/${f}`) : [],
  );
}

/**
 * Waits (with a deadline, not a fixed pause) until every closed file of the directory is marked
 * `.transferred`: the round that marks local copies runs after the one that delivered, and a last
 * file can still close after the backlog was seen empty.
 */
export async function waitAllMarked(acct: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    'every closed file marked .transferred',
    async () => {
      const closed = filesIn(acct).filter((f) => !f.endsWith('.active'));
      return closed.length > 0 && closed.every((f) => f.endsWith('.transferred')) ? true : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/**
 * The delivery invariant on one node's accounting directory: every closed file is `.transferred`
 * locally, is on the server once under its closed name with the same bytes, and nothing else
 * (no `.part`) is left on the server.
 */
export function expectAllDelivered(acct: string, server: LocalFtpServer): number {
  const local = filesIn(acct).filter((f) => !f.endsWith('.active'));
  expect(
    local.filter((f) => !f.endsWith('.transferred')),
    'local files not marked .transferred',
  ).toEqual([]);
  const remote = filesIn(server.root).sort();
  expect(remote).toEqual(local.map((f) => f.replace(/\.transferred$/, '')).sort());
  for (const f of local)
    expect(sha256File(join(server.root, f.replace(/\.transferred$/, ''))), f).toBe(sha256File(join(acct, f)));
  return local.length;
}

/**
 * How many times each file was put in place on the server (successful RNTO in vsftpd's protocol
 * log): the OSS sees a file once per rename, whatever uploads of `.part` names came before.
 */
export function renamesPerFile(server: LocalFtpServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of server.completedRenames()) {
    const name = p.replace(/^\//, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

export const readText = (p: string) => readFileSync(p, 'utf8');
