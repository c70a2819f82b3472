/**
 * FTP push to the OSS against a real vsftpd on loopback: outage under load, bad credentials,
 * unreachable host, full remote disk, FTPS, and a change of the active node mid-delivery.
 * Each test has its own database, so only its own files are in the backlog.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../kernel/process.js';
import type { CamNode } from '../../node/cam-node.js';
import { ALARM_FTP_FAILURE } from '../../node/delivery/delivery.js';
import type { LocalFtpServer } from '../../ops/local-ftp.js';
import {
  expectAllDelivered,
  filesIn,
  ftpPushConfig,
  ftpServer,
  renamesPerFile,
  waitAllMarked,
} from '../harness/ftp.js';
import { freshDatabase } from '../harness/galera.js';
import { loadBothStreams, startCamNode } from '../harness/nodes.js';

const servers: LocalFtpServer[] = [];
const nodes: CamNode[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  for (const s of servers.splice(0)) await s.destroy();
});

async function startPushingNode(
  member: 'a' | 'b',
  server: LocalFtpServer,
  databaseName: string,
  opts: {
    id?: string;
    delivery?: Record<string, unknown>;
    cam?: Record<string, unknown>;
    expect?: 'accepting' | 'standby';
  } = {},
) {
  const push = ftpPushConfig(server, opts.delivery);
  const started = await startCamNode(member, {
    id: opts.id,
    expect: opts.expect,
    databaseName,
    cam: { fileRotationTime: 300, fileRotationSize: 20_000, ...push.cam, ...opts.cam },
    ipdr: { intervalMs: 100 },
    delivery: push.delivery,
  });
  nodes.push(started.node);
  return started;
}

const load = (target: { primary: string; recovery: string }, blocks: number, pauseMs = 20) =>
  loadBothStreams(target, blocks, pauseMs, 'ftp');

const closedCount = (acct: string) => filesIn(acct).filter((f) => !f.endsWith('.active')).length;
const status = (node: CamNode) => node.status().delivery!.ftp!;

describe('FTP push', () => {
  it('server down under load: files accumulate, then each is delivered once and marked .transferred', async () => {
    const server = await ftpServer();
    servers.push(server);
    const { node, config, primary, recovery } = await startPushingNode(
      'a',
      server,
      await freshDatabase('ftp_outage'),
    );
    const acct = config.cam.baseFilePath;
    await load({ primary, recovery }, 150);
    await waitFor(
      'a backlog of closed files',
      async () => ((status(node).backlogFiles ?? 0) >= 4 ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    await waitFor(
      'the FTP alarm',
      async () => (node.alarms.list().some((a) => a.name === ALARM_FTP_FAILURE) ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    expect(status(node).lastError).toMatch(/ECONNREFUSED/);
    expect(filesIn(acct).filter((f) => f.endsWith('.transferred'))).toEqual([]);

    await server.start();
    await waitFor('backlog delivered', async () => (status(node).backlogFiles === 0 ? true : undefined), {
      timeoutMs: 30_000,
    });
    await waitAllMarked(acct);
    const files = expectAllDelivered(acct, server);
    expect(files).toBe(closedCount(acct));
    expect([...renamesPerFile(server).values()].every((n) => n === 1)).toBe(true);
    expect(renamesPerFile(server).size).toBe(files);
    await waitFor(
      'the alarm to clear',
      async () => (node.alarms.list().some((a) => a.name === ALARM_FTP_FAILURE) ? undefined : true),
      {
        timeoutMs: 5000,
      },
    );
    expect(JSON.stringify(node.status())).not.toContain('tandem-test-Secret-42');
  });

  it('wrong password, unreachable host, full remote disk: clear error and alarm, nothing marked; delivered after the fix', async () => {
    // A remote disk of 64 KiB: the first files fit, then uploads fail with "disk full".
    const server = await ftpServer({ rootSizeBytes: 64 * 1024 });
    servers.push(server);
    await server.start();
    const db = await freshDatabase('ftp_errors');
    let started = await startPushingNode('a', server, db, { cam: { ftpUserPassword: 'wrong-password' } });
    await load(started, 20);
    await waitFor(
      'a login error',
      async () => (/530/.test(status(started.node).lastError ?? '') ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
    expect(status(started.node).lastError).toMatch(/login to 127\.0\.0\.1:\d+ as tandemftp failed: FTP 530/);
    await waitFor(
      'the alarm',
      async () => (started.node.alarms.list().some((a) => a.name === ALARM_FTP_FAILURE) ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    expect(JSON.stringify(started.node.status())).not.toContain('wrong-password');
    expect(filesIn(started.config.cam.baseFilePath).some((f) => f.endsWith('.transferred'))).toBe(false);
    await started.node.stop();
    nodes.splice(0);

    // Unreachable: nothing listens on the configured port.
    started = await startPushingNode('a', server, db, {
      id: 'cam-a2',
      delivery: { ftpPort: 1, ftpTimeoutMs: 1000 },
    });
    await waitFor('a connect error', async () => (status(started.node).lastError ? true : undefined), {
      timeoutMs: 15_000,
    });
    expect(status(started.node).lastError).toMatch(/ECONNREFUSED|timeout|timed out/i);
    expect(filesIn(started.config.cam.baseFilePath).some((f) => f.endsWith('.transferred'))).toBe(false);
    await started.node.stop();
    nodes.splice(0);

    // Right credentials, but the remote disk fills up.
    started = await startPushingNode('a', server, db, { id: 'cam-a3', cam: { fileRotationSize: 30_000 } });
    await load(started, 200, 5);
    await waitFor(
      'a disk-full error',
      async () => (/(452|451|552|553)/.test(status(started.node).lastError ?? '') ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    const acct = started.config.cam.baseFilePath;
    const marked = filesIn(acct).filter((f) => f.endsWith('.transferred'));
    // Exactly the files that are complete on the server are marked; the rest keep their names.
    for (const f of marked) expect(filesIn(server.root)).toContain(f.replace(/\.transferred$/, ''));
    expect(
      filesIn(acct).filter((f) => !f.endsWith('.transferred') && !f.endsWith('.active')).length,
    ).toBeGreaterThan(0);

    // The operator frees space on the server: the rest goes, each file complete once.
    server.grow(64 * 1024 * 1024);
    await waitFor(
      'backlog delivered',
      async () => (status(started.node).backlogFiles === 0 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    await waitAllMarked(acct);
    expectAllDelivered(acct, server);
    expect([...renamesPerFile(server).values()].every((n) => n === 1)).toBe(true);
    await waitFor(
      'the alarm to clear',
      async () => (started.node.alarms.list().some((a) => a.name === ALARM_FTP_FAILURE) ? undefined : true),
      {
        timeoutMs: 5000,
      },
    );
  });

  it('FTPS (explicit TLS) with the server certificate verified', async () => {
    const server = await ftpServer({ tls: true });
    servers.push(server);
    await server.start();
    const { node, config, primary, recovery } = await startPushingNode(
      'a',
      server,
      await freshDatabase('ftps'),
      {
        delivery: { ftpTls: 'explicit', ftpTlsCaFile: server.certFile },
      },
    );
    await load({ primary, recovery }, 40);
    await waitFor(
      'delivered',
      async () => (status(node).backlogFiles === 0 && status(node).deliveredFiles > 0 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    await waitAllMarked(config.cam.baseFilePath);
    expectAllDelivered(config.cam.baseFilePath, server);
  });

  it('the active node changes during delivery: the new one delivers the rest, none twice', async () => {
    // 60 kB/s upload: delivery of the backlog takes several seconds, so the handover falls mid-way.
    const server = await ftpServer({ maxRateBytes: 60_000 });
    servers.push(server);
    await server.start();
    const db = await freshDatabase('ftp_switch');
    const a = await startPushingNode('a', server, db, { id: 'cam-a' });
    await waitFor('cam-a active', async () => (a.node.isActive() ? true : undefined), { timeoutMs: 15_000 });
    const b = await startPushingNode('b', server, db, { id: 'cam-b', expect: 'standby' });
    await load(a, 150, 10);
    await waitFor(
      'cam-a has delivered some files',
      async () => (status(a.node).deliveredFiles >= 2 ? true : undefined),
      {
        timeoutMs: 30_000,
      },
    );
    expect(status(a.node).backlogFiles).toBeGreaterThan(0);
    expect(b.node.isActive()).toBe(false);
    await a.node.stop(); // hands the lease over
    nodes.splice(nodes.indexOf(a.node), 1);
    await waitFor('cam-b active', async () => (b.node.isActive() ? true : undefined), { timeoutMs: 15_000 });
    await waitFor(
      'backlog delivered by cam-b',
      async () => (status(b.node).backlogFiles === 0 ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    await waitAllMarked(b.config.cam.baseFilePath);
    expect(status(b.node).deliveredFiles).toBeGreaterThan(0);
    // Both nodes' copies are marked, and the server has each file once.
    const files = expectAllDelivered(b.config.cam.baseFilePath, server);
    expect([...renamesPerFile(server).values()].filter((n) => n > 1)).toEqual([]);
    expect(renamesPerFile(server).size).toBe(files);
  });
});
