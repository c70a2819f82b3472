/**
 * The TCP feed against its tables in memory (FakeFeedTables) and the reference collector on
 * loopback: every placed record arrives once and in order, across a collector restart and a change
 * of the active node. (With Galera and real CAM nodes: test/integration/oss-feed.test.ts.)
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { deliverySchema } from '../../node/config/schema.js';
import { FakeFeedTables } from '../../node/delivery/fake-feed-tables.js';
import { CamFrameParser, encodeResume } from '../../node/delivery/feed-protocol.js';
import { FeedChannel } from '../../node/delivery/tcp-feed.js';
import { freePort } from '../../ops/local-process.js';
import { OssCollector } from '../../ops/oss-collector.js';

/** Waits (deadline 10 s) until `cond` holds. */
const until = (what: string, cond: () => boolean | Promise<boolean>) =>
  waitFor(what, async () => ((await cond()) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20 });

const delivery = deliverySchema.parse({
  intervalMs: 50,
  retryInitialMs: 20,
  retryMaxMs: 200,
  feedResumeWaitMs: 2000,
});

describe('TCP feed (in-memory tables, real collector)', { timeout: 30_000 }, () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const channel = (tables: FakeFeedTables, nodeId: string, port: number) => {
    const ch = new FeedChannel({
      series: 'primary',
      host: '127.0.0.1',
      port,
      nodeId,
      delivery,
      store: tables,
      log: silentLogger(),
    });
    cleanup.push(() => ch.stop());
    return ch;
  };
  const placeBlocks = (tables: FakeFeedTables, from: number, n: number) => {
    for (let i = 0; i < n; i++) tables.place('primary', syntheticBlockRus('lam-f', from + i, 4));
  };

  it('every record once and in order, across a collector restart and a new active node', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tandem-feed-'));
    const tables = new FakeFeedTables();
    placeBlocks(tables, 1, 50);
    let { collector, ports } = await OssCollector.onFreePorts(out);
    cleanup.push(() => collector.close());

    const a = channel(tables, 'cam-a', ports.primary);
    a.setActive(true);
    await until('the first 200 records at the collector', () => collector.last.get('primary') === 200);
    await until(
      'position 200 confirmed',
      async () => (await tables.feedPosition('primary')).confirmed === 200,
    );

    // The collector restarts on the same port and directory; more records are placed meanwhile.
    await collector.close();
    placeBlocks(tables, 51, 25);
    collector = new OssCollector(out);
    await collector.listen('127.0.0.1', ports.primary);
    cleanup.push(() => collector.close());
    await until('records 201–300 after the restart', () => collector.last.get('primary') === 300);

    // The role moves: A stops, B (the other node, same tables) continues where A was confirmed.
    await a.stop();
    placeBlocks(tables, 76, 25);
    const b = channel(tables, 'cam-b', ports.primary);
    b.setActive(true);
    await until('records 301–400 from the new active node', () => collector.last.get('primary') === 400);

    expect(collector.stats.gaps).toEqual([]);
    expect(collector.stats.duplicates).toBe(0);
    expect(collector.stats.protocolErrors).toEqual([]);
    expect(tables.saves.some((s) => s.node === 'cam-b')).toBe(true);
  });

  it('a collector that is down: the channel reports the failure and delivers once it listens', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tandem-feed-'));
    const tables = new FakeFeedTables();
    placeBlocks(tables, 1, 10);
    const { collector, ports } = await OssCollector.onFreePorts(out);
    await collector.close(); // the port is known and nobody listens on it
    const ch = channel(tables, 'cam-a', ports.primary);
    ch.setActive(true);
    await until('two failed connection attempts', () => ch.health.failures >= 2);
    expect(ch.health.lastError).toContain(`127.0.0.1:${ports.primary}`);

    const back = new OssCollector(out);
    await back.listen('127.0.0.1', ports.primary);
    cleanup.push(() => back.close());
    await until('the 40 records once the collector listens', () => back.last.get('primary') === 40);
    await until('the channel healthy again', () => ch.health.failures === 0);
    expect(back.stats.gaps).toEqual([]);
  });

  it('an ACK lost with the connection: the RESUME of the next one confirms the records', async () => {
    const tables = new FakeFeedTables();
    placeBlocks(tables, 1, 10);
    // A collector that stores all 40 records, then loses the connection before it confirms;
    // on the next connection it asks for record 41 and sends no ACK (nothing new comes).
    let stored = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      const parser = new CamFrameParser();
      socket.on('data', (chunk: Buffer) => {
        for (const f of parser.push(chunk)) {
          if (f.kind === 'hello') socket.write(encodeResume(stored + 1));
          else if (f.kind === 'record') stored = Math.max(stored, f.seq);
        }
        if (stored === 40 && sockets.size === 1) socket.destroy();
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    });
    const ch = channel(tables, 'cam-a', port);
    ch.setActive(true);
    await until('two connections', () => sockets.size === 2 && ch.connected);
    await until(
      'the 40 records confirmed',
      async () => (await tables.feedPosition('primary')).confirmed === 40,
    );
    await ch.refreshBacklog();
    expect(ch.backlogRecords).toBe(0);
  });
});
