import { describe, expect, it } from 'vitest';
import type { BlockRecord } from '../../kernel/block.js';
import { silentLogger } from '../../kernel/logger.js';
import { FakeLedger } from '../../node/accounting/fake-ledger.js';
import { BlockRejectedError, GroupCommitter, SequenceConflictError } from '../../node/accounting/ingest.js';

const block = (lamId: string, seq: number, payload = '[]'): BlockRecord => ({
  lamId,
  blockSeq: seq,
  stream: 'primary',
  createdAtMs: 0,
  ruCount: 1,
  payload,
});

/** In-memory stand-ins: the group-commit logic is what is under test here, not the I/O. */
function stores(opts: { failLedger?: () => boolean; failJournal?: () => boolean } = {}) {
  const journal: BlockRecord[][] = [];
  const ledgerStore = new FakeLedger();
  ledgerStore.failWith = () => (opts.failLedger?.() ? new Error('no quorum') : undefined);
  const ledger = ledgerStore.rows;
  const gates: (() => void)[] = [];
  return {
    journal,
    ledger,
    release: () => {
      for (const g of gates.splice(0)) g();
    },
    journalStore: {
      append: async (blocks: readonly BlockRecord[]) => {
        await new Promise<void>((r) => gates.push(r));
        if (opts.failJournal?.()) throw new Error('ENOSPC');
        journal.push([...blocks]);
      },
    },
    ledgerStore,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommitter', () => {
  it('blocks submitted while a batch is being stored go together in the next batch', async () => {
    const s = stores();
    const gc = new GroupCommitter(s.journalStore, s.ledgerStore, { maxBatchBlocks: 100 }, silentLogger());
    const first = gc.submit(block('a', 1));
    await tick();
    const rest = [2, 3, 4, 5].map((n) => gc.submit(block('a', n)));
    s.release();
    await first;
    await tick();
    s.release();
    expect(await Promise.all(rest)).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(s.journal.map((b) => b.length)).toEqual([1, 4]);
    expect(gc.stats).toMatchObject({ batches: 2, blocksStored: 5, maxBatchBlocksSeen: 4 });
  });

  it('respects the batch size limit', async () => {
    const s = stores();
    const gc = new GroupCommitter(s.journalStore, s.ledgerStore, { maxBatchBlocks: 2 }, silentLogger());
    const all = [1, 2, 3, 4, 5].map((n) => gc.submit(block('a', n)));
    for (let i = 0; i < 5; i++) {
      await tick();
      s.release();
    }
    await Promise.all(all);
    // The first block starts a batch at once; the rest queue behind it in batches of 2.
    expect(s.journal.map((b) => b.length)).toEqual([1, 2, 2]);
  });

  it('reports duplicates, including one repeated inside the same batch', async () => {
    const s = stores();
    const gc = new GroupCommitter(s.journalStore, s.ledgerStore, { maxBatchBlocks: 100 }, silentLogger());
    const gate = gc.submit(block('a', 0));
    const p = [gc.submit(block('a', 1)), gc.submit(block('a', 1))];
    await tick();
    s.release();
    await gate;
    await tick();
    s.release();
    expect(await Promise.all(p)).toEqual(['stored', 'duplicate']);
    expect(s.journal.map((b) => b.length)).toEqual([1, 2]);
  });

  it('refuses only the block whose key is stored with other RUs, names it, and reports it', async () => {
    const s = stores();
    const conflicts: BlockRecord[] = [];
    const gc = new GroupCommitter(
      s.journalStore,
      s.ledgerStore,
      { maxBatchBlocks: 100, onSequenceConflict: (b) => conflicts.push(b) },
      silentLogger(),
    );
    const gate = gc.submit(block('a', 1, '["x"]'));
    await tick();
    s.release();
    await gate;
    const p = [
      gc.submit({ ...block('a', 1, '["y"]'), lamInstance: 'new-1' }),
      gc.submit(block('a', 2)),
      gc.submit(block('a', 1, '["x"]')),
    ];
    const settled = Promise.allSettled(p);
    for (let i = 0; i < 3; i++) {
      await tick();
      s.release();
    }
    const [clash, other, resend] = await settled;
    const refused = clash?.status === 'rejected' ? (clash.reason as Error) : undefined;
    expect(refused).toBeInstanceOf(SequenceConflictError);
    expect(refused?.message).toBe(
      'block 1 of LAM a (sent by LAM instance new-1) is already stored with other RUs: the LAM lost its state or another host uses the same LAM id',
    );
    expect(other).toEqual({ status: 'fulfilled', value: 'stored' });
    expect(resend).toEqual({ status: 'fulfilled', value: 'duplicate' });
    expect(conflicts.map((b) => b.lamInstance)).toEqual(['new-1']);
    expect(gc.stats).toMatchObject({ blocksConflicting: 1, blocksStored: 2, blocksDuplicate: 1 });
  });

  it('rejects every block of a batch the ledger refused, and goes on with the next', async () => {
    let fail = true;
    const s = stores({ failLedger: () => fail });
    const errors: unknown[] = [];
    const gc = new GroupCommitter(
      s.journalStore,
      s.ledgerStore,
      { maxBatchBlocks: 100, onBatchError: (e) => errors.push(e) },
      silentLogger(),
    );
    const doomed = expect(gc.submit(block('a', 1))).rejects.toThrow('no quorum');
    await tick();
    s.release();
    await doomed;
    fail = false;
    const ok = gc.submit(block('a', 1));
    await tick();
    s.release();
    expect(await ok).toBe('stored');
    expect(errors).toHaveLength(1);
    expect(gc.stats.failedBatches).toBe(1);
  });

  it('never resolves a block whose journal write failed, even if the ledger stored it', async () => {
    const s = stores({ failJournal: () => true });
    const gc = new GroupCommitter(s.journalStore, s.ledgerStore, { maxBatchBlocks: 100 }, silentLogger());
    const p = expect(gc.submit(block('a', 1))).rejects.toThrow('ENOSPC');
    await tick();
    s.release();
    await p;
  });

  it('idle() waits for the batch in progress', async () => {
    const s = stores();
    const gc = new GroupCommitter(s.journalStore, s.ledgerStore, { maxBatchBlocks: 100 }, silentLogger());
    void gc.submit(block('a', 1));
    let idle = false;
    void gc.idle().then(() => {
      idle = true;
    });
    await tick();
    expect(idle).toBe(false);
    s.release();
    await gc.idle();
    expect(idle).toBe(true);
  });

  it('a block the ledger refuses for good fails alone; the others in its batch are stored', async () => {
    const poison = (b: BlockRecord) => b.lamId === 'poison';
    const s = stores();
    const ledgerStore = {
      storeBatch: async (blocks: readonly BlockRecord[]) => {
        if (blocks.some(poison))
          throw Object.assign(new Error('Data too long sql: INSERT …'), { errno: 1406 });
        return s.ledgerStore.storeBatch(blocks);
      },
    };
    const gc = new GroupCommitter(
      s.journalStore,
      ledgerStore,
      {
        maxBatchBlocks: 100,
        isRejectedForGood: (err) => (err as { errno?: number }).errno === 1406,
        describe: () => 'a value is too long for its column (errno 1406)',
      },
      silentLogger(),
    );
    const gate = gc.submit(block('a', 0));
    const batch = [gc.submit(block('a', 1)), gc.submit(block('poison', 1)), gc.submit(block('b', 1))];
    const settled = Promise.allSettled(batch);
    await tick();
    s.release();
    await gate;
    await tick();
    s.release();
    const [a, p, b] = await settled;
    expect(a).toEqual({ status: 'fulfilled', value: 'stored' });
    expect(b).toEqual({ status: 'fulfilled', value: 'stored' });
    expect(p!.status).toBe('rejected');
    const err = (p as PromiseRejectedResult).reason as BlockRejectedError;
    expect(err).toBeInstanceOf(BlockRejectedError);
    expect(err.message).toBe('the ledger refused block 1: a value is too long for its column (errno 1406)');
    expect(err.message).not.toMatch(/INSERT|sql/);
    expect(gc.stats.blocksRejected).toBe(1);
    expect(gc.stats.blocksStored).toBe(3);
  });

  it('a transient ledger failure fails the whole batch (the LAMs resend)', async () => {
    let fail = true;
    const s = stores({ failLedger: () => fail });
    const gc = new GroupCommitter(
      s.journalStore,
      s.ledgerStore,
      { maxBatchBlocks: 100, isRejectedForGood: () => false },
      silentLogger(),
    );
    const p = Promise.allSettled([gc.submit(block('a', 1))]);
    await tick();
    s.release();
    expect((await p)[0]!.status).toBe('rejected');
    fail = false;
    const q = gc.submit(block('a', 1));
    await tick();
    s.release();
    expect(await q).toBe('stored');
  });
});
