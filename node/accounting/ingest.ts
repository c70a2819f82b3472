/**
 * Group commit of RU blocks: blocks submitted while a batch is being made durable wait and go
 * together in the next batch, so one fdatasync and one replicated transaction serve many LAM
 * streams. A block's promise resolves only when it is both in the journal and in the ledger.
 */
import type { Logger } from 'pino';
import type { BlockRecord } from '../../kernel/block.js';
import type { NodeObserver } from '../metrics/observer.js';
import type { AckOutcome, StoreOutcome } from './ledger.js';

export interface BatchStore {
  append(blocks: readonly BlockRecord[]): Promise<void>;
}
export interface LedgerStore {
  storeBatch(blocks: readonly BlockRecord[]): Promise<StoreOutcome[]>;
}

/** The ledger refused this one block for good (the reason names the condition, never SQL). */
export class BlockRejectedError extends Error {
  constructor(
    readonly blockSeq: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the ledger refused block ${blockSeq}: ${reason}`, options);
    this.name = 'BlockRejectedError';
  }
}

/** Why a block was refused as a sequence conflict, in words for the LAM and the operator. */
export function conflictReason(b: BlockRecord): string {
  const who = b.lamInstance ? ` (sent by LAM instance ${b.lamInstance})` : '';
  return (
    `block ${b.blockSeq} of LAM ${b.lamId}${who} is already stored with other RUs: ` +
    'the LAM lost its state or another host uses the same LAM id'
  );
}

/** The key (lam_id, block_seq) is stored with other RUs: the block is refused, never dropped as a duplicate. */
export class SequenceConflictError extends Error {
  constructor(readonly block: BlockRecord) {
    super(conflictReason(block));
    this.name = 'SequenceConflictError';
  }
}

export interface GroupCommitOptions {
  maxBatchBlocks: number;
  /** True when the ledger's error is about this data (it would fail the same way again). */
  isRejectedForGood?: (err: unknown) => boolean;
  /** The error in words fit for a client (no statement, no parameters). */
  describe?: (err: unknown) => string;
  onBatchError?: (err: unknown) => void;
  onBatchStored?: () => void;
  /** A block's key is stored with other RUs (alarm it: records of a LAM are being refused). */
  onSequenceConflict?: (block: BlockRecord) => void;
  /** Batch sizes and commit times (metrics). */
  observer?: Pick<NodeObserver, 'batchCommitted'>;
}

interface Pending {
  block: BlockRecord;
  resolve: (o: AckOutcome) => void;
  reject: (e: unknown) => void;
}

export interface IngestStats {
  batches: number;
  blocksStored: number;
  blocksDuplicate: number;
  rusStored: number;
  failedBatches: number;
  /** Blocks the ledger refused for good (each one told to its LAM with the reason). */
  blocksRejected: number;
  /** Blocks refused because their key is stored with other RUs (SequenceConflictError). */
  blocksConflicting: number;
  queued: number;
  lastBatchBlocks: number;
  maxBatchBlocksSeen: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];
  readonly stats: IngestStats = {
    batches: 0,
    blocksStored: 0,
    blocksDuplicate: 0,
    rusStored: 0,
    failedBatches: 0,
    blocksRejected: 0,
    blocksConflicting: 0,
    queued: 0,
    lastBatchBlocks: 0,
    maxBatchBlocksSeen: 0,
  };

  constructor(
    private readonly journal: BatchStore,
    private readonly ledger: LedgerStore,
    private readonly opts: GroupCommitOptions,
    private readonly log: Logger,
  ) {}

  submit(block: BlockRecord): Promise<AckOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ block, resolve, reject });
      this.stats.queued = this.queue.length;
      if (!this.running) void this.pump();
    });
  }

  /** Nothing queued or being stored (every block handed in has its outcome). */
  get isIdle(): boolean {
    return !this.running && this.queue.length === 0;
  }

  /** Resolves when nothing is queued or being stored. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatchBlocks);
      this.stats.queued = this.queue.length;
      const blocks = batch.map((p) => p.block);
      const startedAt = performance.now();
      // Journal and ledger in parallel: the ack waits for both, and a block in only one of
      // them was never acknowledged, so the LAM resends it and dedupe absorbs the copy.
      const [journaled, stored] = await Promise.allSettled([
        this.journal.append(blocks),
        this.ledger.storeBatch(blocks),
      ]);
      if (journaled.status === 'rejected') {
        this.fail(batch, journaled.reason);
      } else if (stored.status === 'fulfilled') {
        this.opts.observer?.batchCommitted(batch.length, (performance.now() - startedAt) / 1000);
        this.settle(batch, stored.value);
      } else if (this.opts.isRejectedForGood?.(stored.reason)) {
        // One poison block must not fail the others: store them one by one; only the block the
        // ledger refuses gets the error (its journal copy is set aside at the next replay).
        await this.storeOneByOne(batch);
      } else {
        this.fail(batch, stored.reason);
      }
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private settle(batch: Pending[], outcomes: StoreOutcome[]): void {
    this.stats.batches++;
    this.stats.lastBatchBlocks = batch.length;
    this.stats.maxBatchBlocksSeen = Math.max(this.stats.maxBatchBlocksSeen, batch.length);
    this.opts.onBatchStored?.();
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome === 'conflict') {
        this.stats.blocksConflicting++;
        this.log.error(
          { lam: p.block.lamId, block: p.block.blockSeq, instance: p.block.lamInstance },
          'block refused: its key is stored with other RUs',
        );
        this.opts.onSequenceConflict?.(p.block);
        p.reject(new SequenceConflictError(p.block));
        return;
      }
      if (outcome === 'stored') {
        this.stats.blocksStored++;
        this.stats.rusStored += p.block.ruCount;
      } else this.stats.blocksDuplicate++;
      p.resolve(outcome);
    });
  }

  private fail(batch: Pending[], err: unknown): void {
    this.stats.failedBatches++;
    this.log.warn(
      { err: this.opts.describe?.(err) ?? (err as Error).message, blocks: batch.length },
      'batch not stored; blocks not acknowledged',
    );
    this.opts.onBatchError?.(err);
    for (const p of batch) p.reject(err);
  }

  private async storeOneByOne(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        this.settle([p], await this.ledger.storeBatch([p.block]));
      } catch (err) {
        if (!this.opts.isRejectedForGood?.(err)) {
          this.fail([p], err);
          continue;
        }
        this.stats.blocksRejected++;
        const reason = this.opts.describe?.(err) ?? 'refused by the ledger';
        this.log.error(
          { lam: p.block.lamId, block: p.block.blockSeq, reason },
          'the ledger refused a block for good; it is not acknowledged',
        );
        p.reject(new BlockRejectedError(p.block.blockSeq, reason, { cause: err }));
      }
    }
  }
}
