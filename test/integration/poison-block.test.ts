/**
 * Poison blocks (issue 10, item 1): one frame from any client must not stop a node from accepting.
 * - LAM ids that differ only in case are two LAMs (the ledger compares identifiers byte for byte);
 * - a block the ledger refuses for good fails alone, with a typed error that carries no SQL, while
 *   the other LAMs' blocks are stored; at the next start replay quarantines its journal copy with
 *   the reason and the node accepts again, and goes on accepting after later restarts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { CamNode } from '../../node/cam-node.js';
import { type LamFrame, ruToWire } from '../../proto/dtp.js';
import { freshDatabase, sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { sender, startCamNode, uniqueLamId } from '../harness/nodes.js';
import { errorOf, exchange } from '../harness/raw-dtp.js';

const hello = (lamId: string): LamFrame => ({
  frame: 'hello',
  hello: { protocol_version: 1, lam_id: lamId, software_version: 'test', stream: 'STREAM_KIND_PRIMARY' },
});
const block = (lamId: string, seq: number, rus = 2): LamFrame => ({
  frame: 'block',
  block: {
    lam_id: lamId,
    block_seq: seq,
    created_at_ms: 1,
    rus: syntheticBlockRus(lamId, seq, rus).map(ruToWire),
  },
});

async function restart(config: CamNode['config']): Promise<{ node: CamNode; acceptedAfterMs: number }> {
  const node = new CamNode(config, silentLogger());
  const t0 = Date.now();
  await node.start();
  await waitFor(
    `${config.node.id} to accept again`,
    async () => (node.refusal() === undefined ? true : undefined),
    {
      timeoutMs: 20_000,
    },
  );
  return { node, acceptedAfterMs: Date.now() - t0 };
}

describe('poison blocks', () => {
  let dbName: string;
  let first: Awaited<ReturnType<typeof startCamNode>>;
  const running: CamNode[] = [];

  beforeAll(async () => {
    await waitForHealthyCluster();
    dbName = await freshDatabase('poison');
    first = await startCamNode('a', { id: 'cam-poison', databaseName: dbName });
    // A rule of the database that refuses some rows for good, as a full column or a bad value would.
    const a = await sqlOn('a');
    await a.query(`CREATE TRIGGER ${dbName}.refuse_poison BEFORE INSERT ON ${dbName}.ledger_block
      FOR EACH ROW BEGIN
        IF NEW.lam_id LIKE 'poison%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test rule'; END IF;
      END`);
    await a.end();
  });
  afterAll(async () => {
    await first?.node.stop();
    for (const n of running) await n.stop();
    const a = await sqlOn('a');
    await a.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await a.end();
  });

  it('LAM ids that differ only in case are two LAMs: both stored, replayed, and the node accepts', async () => {
    const lower = uniqueLamId('app');
    const upper = lower.toUpperCase();
    const one = await exchange(first.primary, [hello(lower), block(lower, 1)], {
      betweenMs: 50,
      halfClose: true,
    });
    const two = await exchange(first.primary, [hello(upper), block(upper, 1)], {
      betweenMs: 50,
      halfClose: true,
    });
    expect(one.frames.map((f) => f.frame)).toEqual(['welcome', 'ack']);
    expect(two.frames.map((f) => f.frame)).toEqual(['welcome', 'ack']);
    expect(two.frames[1]).toMatchObject({ ack: { status: 'ACK_STATUS_STORED' } });
    const a = await sqlOn('a');
    const rows = await a.query(
      `SELECT lam_id FROM ${dbName}.ledger_block WHERE block_seq = 1 AND lam_id IN (?, ?)`,
      [lower, upper],
    );
    await a.end();
    expect(rows.map((r: { lam_id: string }) => r.lam_id).sort()).toEqual([lower, upper].sort());
  });

  it('a block the ledger refuses fails alone with a typed error and no SQL; the good LAM goes on', async () => {
    const goodLam = uniqueLamId('good');
    const good = sender(first.primary, goodLam);
    let seq = 0;
    const feeder = setInterval(() => {
      seq++;
      good.send({ blockSeq: seq, createdAtMs: Date.now(), rus: syntheticBlockRus(goodLam, seq, 3) });
    }, 5);
    const poison = uniqueLamId('poison');
    try {
      const ex = await exchange(first.primary, [hello(poison), block(poison, 1)], { betweenMs: 50 });
      const err = errorOf(ex);
      expect(err).toMatchObject({ error: { code: 'ERROR_CODE_INVALID_BLOCK', block_seq: 1 } });
      const message = (err as { error: { message: string } }).error.message;
      expect(message).toMatch(/the ledger refused block 1: refused by a database rule \(.*errno 1644/);
      expect(message).not.toMatch(/INSERT|ledger_block|sql:|payload|parameters/i);
      await waitFor(
        'the good LAM to have 100 blocks acked',
        async () => (good.stats.acked >= 100 ? true : undefined),
        {
          timeoutMs: 30_000,
        },
      );
    } finally {
      clearInterval(feeder);
    }
    await good.drained();
    good.stop();
    expect(good.stats.errors).toBe(0);
    expect(first.node.status().ingest?.blocksRejected).toBeGreaterThanOrEqual(1);
  });

  it('after a restart the journal copy of the poison block is quarantined and the node accepts', async () => {
    await first.node.stop();
    const { node } = await restart(first.config);
    running.push(node);
    const status = node.status();
    expect(status.journal.lastReplay?.quarantined).toBe(1);
    expect(status.journal.quarantined).toBe(1);
    expect(status.journal.recentlyQuarantined[0]).toMatchObject({ blockSeq: 1, reason: /errno 1644/ });
    expect(status.alarms.map((a) => a.name)).toContain('JournalRecordQuarantined');
    const qdir = join(first.config.node.dataDir, 'journal', 'quarantine');
    expect(existsSync(join(qdir, 'blocks.jnl'))).toBe(true);
    expect(readFileSync(join(qdir, 'index.ndjson'), 'utf8').trim().split('\n')).toHaveLength(1);

    // A new LAM is served at once, and a further restart does not quarantine the block again.
    const lam = uniqueLamId('after');
    const ok = await exchange(`127.0.0.1:${first.config.cam.primaryPort}`, [hello(lam), block(lam, 1)], {
      betweenMs: 50,
      halfClose: true,
    });
    expect(ok.frames.map((f) => f.frame)).toEqual(['welcome', 'ack']);
    await node.stop();
    running.pop();
    const again = await restart(first.config);
    running.push(again.node);
    expect(again.node.status().journal.quarantined).toBe(1);
    expect(again.node.status().journal.lastReplay?.quarantined).toBe(0);
  });
});
