/**
 * Fencing token (issue 10, item 4): a node's ingest batch commits only while the role lease row
 * still names it with the epoch it acks under; once the other node took the lease (written on the
 * other member), the batch fails as NOT_ACCEPTING and nothing of it is stored. Each stored row
 * carries the epoch it was acknowledged under.
 */
import { describe, expect, it } from 'vitest';
import type { BlockRecord } from '../../kernel/block.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { type Fence, FencedError, Ledger } from '../../node/accounting/ledger.js';
import { isUnavailable } from '../../node/replication/database.js';
import { databasesOnBothMembers, sqlOn } from '../harness/galera.js';
import { uniqueLamId } from '../harness/nodes.js';

const block = (lamId: string, seq: number): BlockRecord => ({
  lamId,
  blockSeq: seq,
  stream: 'primary',
  createdAtMs: 1,
  ruCount: 2,
  payload: JSON.stringify(syntheticBlockRus(lamId, seq, 2)),
});

describe('fenced ingest commits', () => {
  const dbs = databasesOnBothMembers();

  it('commits under the held epoch, refuses once the other node took the lease', async () => {
    const leaseName = `cam-active:fence-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    const lam = uniqueLamId('fence');
    await dbs.a.query('INSERT INTO lease (name, owner, expires_at_ms, epoch) VALUES (?, ?, ?, 7)', [
      leaseName,
      'cam-a',
      Date.now() + 60_000,
    ]);
    let held: Fence | null = { leaseName, owner: 'cam-a', epoch: 7 };
    const ledger = new Ledger(dbs.a, { nodeId: 'cam-a', fence: { current: () => held } });
    expect(await ledger.storeBatch([block(lam, 1), block(lam, 2)])).toEqual(['stored', 'stored']);

    // cam-b acquires the lease on its own member (as its role manager does).
    await dbs.b.query("UPDATE lease SET owner = 'cam-b', epoch = epoch + 1 WHERE name = ?", [leaseName]);
    const refused = await ledger.storeBatch([block(lam, 3)]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FencedError);
    expect(isUnavailable(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/no longer cam-a's \(epoch 7\): another node took over/);

    // A node that holds no lease at all commits nothing either.
    held = null;
    await expect(ledger.storeBatch([block(lam, 4)])).rejects.toThrow(/holds no role lease/);

    const b = await sqlOn('b');
    const rows = await b.query(
      'SELECT block_seq, received_epoch FROM ledger_block WHERE lam_id = ? ORDER BY block_seq',
      [lam],
    );
    await b.end();
    expect(rows).toEqual([
      { block_seq: 1, received_epoch: 7 },
      { block_seq: 2, received_epoch: 7 },
    ]);
  });
});
