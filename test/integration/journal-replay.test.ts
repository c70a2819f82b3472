/**
 * The journal is the second durable copy: when the replicated ledger has lost acknowledged blocks
 * (Galera can lose committed writes when members crash in quick succession), the node restores
 * them from its journal before it acknowledges anything new. Damaged segments are reported and
 * the intact records in them still restored.
 */
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBlock } from '../../kernel/block-log.js';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { CamNode } from '../../node/cam-node.js';
import { sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { sender, startCamNode, uniqueLamId } from '../harness/nodes.js';

describe('journal replay into the ledger', () => {
  let first: Awaited<ReturnType<typeof startCamNode>>;
  let second: CamNode | undefined;

  beforeAll(async () => {
    await waitForHealthyCluster();
    first = await startCamNode('a', { id: 'cam-replay' });
  });
  afterAll(async () => {
    await first?.node.stop();
    await second?.stop();
  });

  it('restores acknowledged blocks the ledger lost, once, and reports a torn segment tail', async () => {
    const lam = uniqueLamId('replay');
    const s = sender(first.primary, lam);
    for (let seq = 1; seq <= 300; seq++)
      s.send({ blockSeq: seq, createdAtMs: seq, rus: syntheticBlockRus(lam, seq, 4) });
    await s.drained();
    s.stop();
    await first.node.stop();

    // The replicated database "loses" 120 acknowledged blocks.
    const a = await sqlOn('a');
    await a.query('DELETE FROM ledger_block WHERE lam_id = ? AND block_seq % 5 IN (0, 2)', [lam]);
    expect((await a.query('SELECT COUNT(*) AS n FROM ledger_block WHERE lam_id = ?', [lam]))[0].n).toBe(180);

    // A crash mid-write left half a record at the end of the segment.
    const journalDir = join(first.config.node.dataDir, 'journal');
    const segment = readdirSync(journalDir).sort().at(-1)!;
    appendFileSync(join(journalDir, segment), Buffer.from([0, 0, 1, 0, 9, 9]));

    second = new CamNode(first.config, silentLogger());
    await second.start();
    await waitFor('replay to finish', async () => (second!.refusal() === undefined ? true : undefined), {
      timeoutMs: 30_000,
    });
    const report = second.status().journal.lastReplay!;
    expect(report.restored).toBe(120);
    expect(report.tornSegments).toEqual([segment]);

    const b = await sqlOn('b');
    const rows: { block_seq: number; payload: string }[] = await b.query(
      'SELECT block_seq, payload FROM ledger_block WHERE lam_id = ? ORDER BY block_seq',
      [lam],
    );
    expect(rows.map((r) => r.block_seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    for (const r of rows) expect(JSON.parse(r.payload)).toEqual(syntheticBlockRus(lam, r.block_seq, 4));
    await a.end();
    await b.end();
  });

  it('a corrupt record raises JournalCorrupt and does not stop the node', async () => {
    await second!.stop();
    const journalDir = join(first.config.node.dataDir, 'journal');
    // A segment with one intact record, then a header claiming 1 GiB: corruption, not a torn write.
    const lam = uniqueLamId('corrupt');
    const rus = syntheticBlockRus(lam, 1, 2);
    const intact = encodeBlock({
      lamId: lam,
      blockSeq: 1,
      stream: 'recovery',
      createdAtMs: 1,
      ruCount: 2,
      payload: JSON.stringify(rus),
    });
    const segment = 'segment-000000000000.jnl';
    writeFileSync(
      join(journalDir, segment),
      Buffer.concat([intact, Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4])]),
    );
    second = new CamNode(first.config, silentLogger());
    await second.start();
    await waitFor('replay to finish', async () => (second!.refusal() === undefined ? true : undefined), {
      timeoutMs: 30_000,
    });
    expect(second.alarms.isActive('JournalCorrupt')).toBe(true);
    expect(second.status().journal.lastReplay!.corruptSegments).toContain(segment);
    expect(second.status().journal.lastReplay!.restored).toBe(1);
    const b = await sqlOn('b');
    const rows = await b.query('SELECT stream, payload FROM ledger_block WHERE lam_id = ?', [lam]);
    await b.end();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0].payload)).toEqual(rus);
  });

  it('after a database flap the blocks this process acknowledged are replayed too', async () => {
    // second is running; its current segment holds what it acked since it started.
    const node = second!;
    const port = node.config.cam.primaryPort;
    const lam = uniqueLamId('flap');
    const s = sender(`127.0.0.1:${port}`, lam);
    for (let seq = 1; seq <= 50; seq++)
      s.send({ blockSeq: seq, createdAtMs: seq, rus: syntheticBlockRus(lam, seq, 2) });
    await s.drained();
    s.stop();
    const a = await sqlOn('a');
    await a.query('DELETE FROM ledger_block WHERE lam_id = ? AND block_seq % 5 = 0', [lam]);
    // A real flap of the member: cut off from the group it is non-Primary; back in → replay.
    await a.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'");
    try {
      // Refused for the member's state (the role may stop acking first, for a write stall).
      await waitFor(
        'the node to see its member not writable',
        async () => (node.alarms.isActive('DatabaseNotWritable') ? true : undefined),
        { timeoutMs: 10_000 },
      );
    } finally {
      await a.query("SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'");
    }
    await waitFor('the node to accept again', async () => (node.refusal() === undefined ? true : undefined), {
      timeoutMs: 30_000,
    });
    expect(node.status().journal.lastReplay!.restored).toBe(10);
    const rows = await a.query('SELECT COUNT(*) AS n FROM ledger_block WHERE lam_id = ?', [lam]);
    await a.end();
    expect(rows[0].n).toBe(50);
  });

  /** A new node on first's configuration, once it accepts (its replay is done). */
  async function startSecond(): Promise<CamNode> {
    const node = new CamNode(first.config, silentLogger());
    second = node;
    await node.start();
    await waitFor('replay to finish', async () => (node.refusal() === undefined ? true : undefined), {
      timeoutMs: 30_000,
    });
    return node;
  }

  it('a restart skips the segments a checkpoint covers; a database without the token gets the full replay', async () => {
    await second!.stop();
    const skipping = (await startSecond()).status().journal.lastReplay!;
    expect(skipping.checkpoint).toBe('valid');
    expect(skipping.skippedSegments).toBe(skipping.segments);
    expect(skipping.blocks).toBe(0);
    await second!.stop();

    // The database lost writes (here: the token and some blocks): every segment is read again.
    const a = await sqlOn('a');
    await a.query('DELETE FROM journal_checkpoint WHERE node_id = ?', [first.config.node.id]);
    const lost = await a.query("DELETE FROM ledger_block WHERE lam_id LIKE 'replay-%' AND block_seq % 7 = 0");
    const full = (await startSecond()).status().journal.lastReplay!;
    expect(full.checkpoint).toBe('lost');
    expect(full.skippedSegments).toBe(0);
    expect(full.restored).toBe(lost.affectedRows);
    expect(lost.affectedRows).toBeGreaterThan(0);
    await a.end();
  });
});
