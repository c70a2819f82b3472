/**
 * The TCP feed to the OSS against the reference collector (ops/oss-collector.ts) over real sockets:
 * collector drops mid-stream (with and without confirmations), a change of the active node, and a
 * hostile collector. Each test has its own database.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../kernel/process.js';
import type { CamNode } from '../../node/cam-node.js';
import { ALARM_FEED_FAILURE } from '../../node/delivery/delivery.js';
import { freePort } from '../../ops/local-cam.js';
import { OssCollector } from '../../ops/oss-collector.js';
import { freshDatabase } from '../harness/galera.js';
import { loadBothStreams, startCamNode } from '../harness/nodes.js';

const nodes: CamNode[] = [];
const collectors: OssCollector[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  for (const c of collectors.splice(0)) await c.close();
});

async function collector(confirm = true) {
  const { collector: c, ports } = await OssCollector.onFreePorts(
    mkdtempSync(join(tmpdir(), 'tandem-oss-')),
    confirm,
  );
  collectors.push(c);
  return { c, ports };
}

async function feedingNode(
  member: 'a' | 'b',
  ports: { primary: number; recovery: number },
  databaseName: string,
  id: string,
  delivery: Record<string, unknown> = {},
  expect: 'accepting' | 'standby' = 'accepting',
) {
  const started = await startCamNode(member, {
    id,
    expect,
    databaseName,
    cam: {
      tcpIpEnabled: true,
      tcpIpAddress: '127.0.0.1',
      tcpIpPrimaryHostPort: ports.primary,
      tcpIpRecoveryHostPort: ports.recovery,
    },
    ipdr: { intervalMs: 100 },
    delivery: { intervalMs: 100, retryInitialMs: 50, retryMaxMs: 500, feedResumeWaitMs: 500, ...delivery },
  });
  nodes.push(started.node);
  return started;
}

const load = (target: { primary: string; recovery: string }, blocks: number, pauseMs = 10) =>
  loadBothStreams(target, blocks, pauseMs, 'feed');

async function allReceived(c: OssCollector, total: { primary: number; recovery: number }) {
  await waitFor(
    'the collector to have every record',
    async () =>
      c.last.get('primary') === total.primary && c.last.get('recovery') === total.recovery ? true : undefined,
    { timeoutMs: 30_000 },
  );
}

/** Each LAM's RUs appear in the collector's files once each, in order of their block numbers. */
function expectEachRuOnce(c: OssCollector, lams: string[], perLam: number) {
  lams.forEach((lam, i) => {
    const text = readFileSync(join(c.outDir, `${i === 0 ? 'primary' : 'recovery'}.xml`), 'utf8');
    const ids = [...text.matchAll(new RegExp(`<uID>(${lam}-\\d+@[^<]*)</uID>`, 'g'))].map((m) => m[1]);
    expect(ids.length).toBe(perLam);
    expect(new Set(ids).size).toBe(perLam);
  });
  expect(c.stats.protocolErrors).toEqual([]);
}

describe('TCP feed', () => {
  it('collector drops mid-stream; with confirmations: no gap and no duplicate', async () => {
    const { c, ports } = await collector(true);
    const started = await feedingNode('a', ports, await freshDatabase('feed_confirm'), 'cam-a');
    const dropping = (async () => {
      for (let i = 0; i < 6; i++) {
        await sleep(300 + Math.random() * 500);
        c.dropConnections();
      }
    })();
    const total = await load(started, 300);
    await dropping;
    await allReceived(c, total);
    expect(c.stats.gaps).toEqual([]);
    expect(c.stats.duplicates).toBe(0);
    expect(c.stats.connections).toBeGreaterThanOrEqual(2 + 6);
    expectEachRuOnce(c, total.lams, total.primary);
    await waitFor(
      'confirmations saved',
      async () => {
        const feed = started.node.status().delivery!.feed!;
        return feed.every((f) => f.backlogRecords === 0 && f.connected) ? true : undefined;
      },
      { timeoutMs: 10_000 },
    );
  });

  it('a collector that never confirms: each reconnect re-sends a replay window, no gap, duplicates dropped by seq', async () => {
    const { c, ports } = await collector(false);
    const started = await feedingNode('a', ports, await freshDatabase('feed_noconfirm'), 'cam-a', {
      // Must cover what the kernel's socket buffers can hold: records written there are lost when the
      // collector drops the connection, and only a replay brings them back.
      feedReplayRecords: 10_000,
    });
    const dropping = (async () => {
      for (let i = 0; i < 4; i++) {
        await sleep(400 + Math.random() * 400);
        c.dropConnections();
      }
    })();
    const total = await load(started, 300);
    await dropping;
    await allReceived(c, total);
    expect(c.stats.gaps).toEqual([]);
    expect(c.stats.duplicates).toBeGreaterThan(0); // the replay window was re-sent …
    expect(c.stats.duplicates).toBeLessThanOrEqual(c.stats.connections * 10_000); // … and no more
  });

  it('the active node changes mid-stream: the new one continues from the confirmed position', async () => {
    const { c, ports } = await collector(true);
    const db = await freshDatabase('feed_switch');
    const a = await feedingNode('a', ports, db, 'cam-a');
    await waitFor('cam-a active', async () => (a.node.isActive() ? true : undefined), { timeoutMs: 15_000 });
    const b = await feedingNode('b', ports, db, 'cam-b', {}, 'standby');
    const first = await load(a, 150);
    await waitFor(
      'some records at the collector',
      async () => ((c.last.get('primary') ?? 0) > 100 ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
    await a.node.stop();
    nodes.splice(nodes.indexOf(a.node), 1);
    await waitFor('cam-b active', async () => (b.node.isActive() ? true : undefined), { timeoutMs: 15_000 });
    const second = await load(b, 150);
    await allReceived(c, {
      primary: first.primary + second.primary,
      recovery: first.recovery + second.recovery,
    });
    expect(c.stats.gaps).toEqual([]);
    expect(c.stats.duplicates).toBe(0);
    expect(b.node.status().delivery!.feed!.every((f) => f.recordsSent > 0)).toBe(true);
  });

  it('a hostile collector: the error names its line, the alarm is raised, nothing is skipped', async () => {
    const ports = { primary: await freePort(), recovery: await freePort() };
    const { createServer } = await import('node:net');
    const hostile = createServer((s) => {
      s.on('error', () => undefined);
      s.write('RESUME banana\n');
    });
    await new Promise<void>((r) => hostile.listen(ports.primary, '127.0.0.1', () => r()));
    const recoveryCollector = new OssCollector(mkdtempSync(join(tmpdir(), 'tandem-oss-')), true);
    collectors.push(recoveryCollector);
    await recoveryCollector.listen('127.0.0.1', ports.recovery);
    try {
      const started = await feedingNode('a', ports, await freshDatabase('feed_hostile'), 'cam-a', {
        failureAlarmAfterMs: 500,
      });
      const total = await load(started, 30);
      await waitFor(
        'the feed error',
        async () => {
          const f = started.node.status().delivery!.feed!.find((x) => x.series === 'primary')!;
          return /RESUME banana/.test(f.lastError ?? '') ? f : undefined;
        },
        { timeoutMs: 10_000 },
      );
      await waitFor(
        'the alarm',
        async () =>
          started.node.alarms.list().some((a) => a.name === ALARM_FEED_FAILURE) ? true : undefined,
        {
          timeoutMs: 10_000,
        },
      );
      // The recovery stream is unaffected by the primary's hostile collector.
      await waitFor(
        'recovery records delivered',
        async () => (recoveryCollector.last.get('recovery') === total.recovery ? true : undefined),
        {
          timeoutMs: 15_000,
        },
      );
      // Now a real collector takes the primary port: it receives everything from record 1.
      hostile.close();
      await sleep(100);
      const good = new OssCollector(mkdtempSync(join(tmpdir(), 'tandem-oss-')), true);
      collectors.push(good);
      await good.listen('127.0.0.1', ports.primary);
      await waitFor(
        'primary records delivered',
        async () => (good.last.get('primary') === total.primary ? true : undefined),
        {
          timeoutMs: 15_000,
        },
      );
      expect(good.stats.gaps).toEqual([]);
    } finally {
      hostile.close();
    }
  });
});
