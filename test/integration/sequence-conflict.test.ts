/**
 * Sequence conflicts (issue 10, item 5): a LAM that lost its state, or a second host with the same
 * component name, starts again at block 1. Before, the CAM acked such blocks DUPLICATE and their
 * RUs were dropped without a word. Now:
 * - a key stored with the same RUs is a resend (DUPLICATE); with other RUs it is refused with
 *   ERROR_CODE_SEQUENCE_CONFLICT naming the LAM and its instance, and alarmed (LamSequenceConflict);
 * - the Welcome tells a LAM the highest block it has stored, and a LAM whose state was reset moves
 *   its numbering past it, so its new records are stored, not refused;
 * - the journal copy of a refused block is quarantined at the next replay, while the stored block
 *   with the same key is still replayed.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { syntheticBlockRus, syntheticRu } from '../../lam/synthetic.js';
import { CamNode } from '../../node/cam-node.js';
import { type LamFrame, ruToWire } from '../../proto/dtp.js';
import { freshDatabase, sqlOn, waitForHealthyCluster } from '../harness/galera.js';
import { startLam } from '../harness/lams.js';
import { startCamNode, uniqueLamId } from '../harness/nodes.js';
import { errorOf, exchange } from '../harness/raw-dtp.js';

const hello = (lamId: string, instance: string): LamFrame => ({
  frame: 'hello',
  hello: {
    protocol_version: 1,
    lam_id: lamId,
    software_version: 'test',
    stream: 'STREAM_KIND_PRIMARY',
    lam_instance: instance,
  },
});
/** `rus` changes the content: the same (lamId, seq) with another count is another block. */
const block = (lamId: string, seq: number, rus: number): LamFrame => ({
  frame: 'block',
  block: {
    lam_id: lamId,
    block_seq: seq,
    created_at_ms: 1,
    rus: syntheticBlockRus(lamId, seq, rus).map(ruToWire),
  },
});

describe('sequence conflicts', () => {
  let dbName: string;
  let cam: Awaited<ReturnType<typeof startCamNode>>;
  let node: CamNode | undefined;

  beforeAll(async () => {
    await waitForHealthyCluster();
    dbName = await freshDatabase('seqconflict');
    cam = await startCamNode('a', { id: 'cam-seqconflict', databaseName: dbName });
  });
  afterAll(async () => {
    await node?.stop();
    await cam?.node.stop();
    const a = await sqlOn('a');
    await a.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await a.end();
  });

  const rowsOf = async (lamId: string) => {
    const a = await sqlOn('a');
    try {
      return (await a.query(
        `SELECT block_seq, ru_count, lam_instance FROM ${dbName}.ledger_block WHERE lam_id = ? ORDER BY block_seq`,
        [lamId],
      )) as { block_seq: number; ru_count: number; lam_instance: string }[];
    } finally {
      await a.end();
    }
  };

  it('same key, same RUs: duplicate; same key, other RUs: refused by name, alarmed, stored once', async () => {
    const lam = uniqueLamId('App');
    const first = await exchange(
      cam.primary,
      [hello(lam, 'inst-old'), block(lam, 1, 2), block(lam, 2, 2), block(lam, 3, 2)],
      { betweenMs: 30, halfClose: true },
    );
    expect(first.frames.map((f) => f.frame)).toEqual(['welcome', 'ack', 'ack', 'ack']);
    expect(first.frames[0]).toMatchObject({ welcome: { highest_stored_seq: 0 } });

    // The same block again from a new instance: a resend of the same RUs is safe to forget.
    const resend = await exchange(cam.primary, [hello(lam, 'inst-new'), block(lam, 2, 2)], {
      betweenMs: 30,
      halfClose: true,
    });
    expect(resend.frames[0]).toMatchObject({ welcome: { highest_stored_seq: 3 } });
    expect(resend.frames[1]).toMatchObject({ ack: { block_seq: 2, status: 'ACK_STATUS_DUPLICATE' } });

    // Other RUs under a stored key: refused, never acked as a duplicate.
    const clash = await exchange(cam.primary, [hello(lam, 'inst-new'), block(lam, 2, 5)], { betweenMs: 30 });
    const err = errorOf(clash);
    expect(err).toMatchObject({ error: { code: 'ERROR_CODE_SEQUENCE_CONFLICT', block_seq: 2 } });
    const message = (err as { error: { message: string } }).error.message;
    expect(message).toContain(`block 2 of LAM ${lam} (sent by LAM instance inst-new) is already stored`);
    expect(clash.frames.some((f) => f.frame === 'ack')).toBe(false);

    const alarm = cam.node.status().alarms.find((a) => a.name === 'LamSequenceConflict');
    expect(alarm?.reason).toContain(lam);
    expect(cam.node.status().ingest?.blocksConflicting).toBe(1);
    const rows = await rowsOf(lam);
    expect(rows.map((r) => [r.block_seq, r.ru_count, r.lam_instance])).toEqual([
      [1, 2, 'inst-old'],
      [2, 2, 'inst-old'],
      [3, 2, 'inst-old'],
    ]);
  });

  it('a LAM whose spool and state were wiped continues past the stored blocks: nothing refused or dropped', async () => {
    const lamId = uniqueLamId('reinst').slice(0, 40);
    const ports = { primaryPort: cam.config.cam.primaryPort, recoveryPort: cam.config.cam.recoveryPort };
    const ru = (n: number) => ({ ...syntheticRu(lamId, n), uID: `${lamId}-ru-${n}` });

    const before = await startLam(ports, { componentName: lamId });
    const baseDir = before.status().spool.dir.replace(/\/[^/]+$/, '');
    for (let n = 0; n < 60; n++) await before.submit(ru(n), { durable: n === 59 });
    await before.drained();
    await before.stop();
    const storedBefore = await rowsOf(lamId);
    expect(storedBefore.length).toBeGreaterThan(0);

    // A reinstall: the LAM's directory is gone, state and spool with it.
    rmSync(before.spoolDir, { recursive: true, force: true });
    const after = await startLam(ports, { componentName: lamId, baseDir });
    try {
      await waitFor(
        'the reinstalled LAM to move its sequence',
        async () => (after.counters.sequenceMoves > 0 ? true : undefined),
        { timeoutMs: 10_000 },
      );
      for (let n = 60; n < 120; n++) await after.submit(ru(n), { durable: n === 119 });
      await after.drained();
      expect(after.counters.blocksRejectedByCam).toBe(0);
      expect(after.alarms.isActive('LamSequenceMoved')).toBe(true);
    } finally {
      await after.stop();
    }
    const rows = await rowsOf(lamId);
    const rus = rows.reduce((sum, r) => sum + r.ru_count, 0);
    expect(rus).toBe(120);
    const instances = new Set(rows.map((r) => r.lam_instance));
    expect(instances.size).toBe(2);
    expect(
      Math.min(
        ...rows.filter((r) => !storedBefore.some((b) => b.block_seq === r.block_seq)).map((r) => r.block_seq),
      ),
    ).toBeGreaterThan(Math.max(...storedBefore.map((r) => r.block_seq)));
  });

  it('after a restart the refused block is quarantined from the journal; the stored one is kept', async () => {
    await cam.node.stop();
    node = new CamNode(cam.config, silentLogger());
    await node.start();
    await waitFor(
      'the node to accept again',
      async () => (node!.refusal() === undefined ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    );
    const status = node.status();
    expect(status.journal.lastReplay?.quarantined).toBe(1);
    expect(status.journal.recentlyQuarantined[0]).toMatchObject({
      blockSeq: 2,
      reason: /already stored with other RUs/,
    });
  });
});
