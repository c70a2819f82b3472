/**
 * Group commit of RU blocks: blocks submitted while a batch is being made durable wait and go
 * together in the next batch, so one fdatasync and one replicated transaction serve many LAM
 * streams. A block's promise resolves only when it is both in the journal and in the ledger.
 */
import type { Logger } from 'pino';
import type { LedgerBlock, StoreOutcome } from './block.js';

export interface BatchStore {
  append(blocks: readonly LedgerBlock[]): Promise<void>;
}
export interface LedgerStore {
  storeBatch(blocks: readonly LedgerBlock[]): Promise<StoreOutcome[]>;
}

interface Pending {
  block: LedgerBlock;
  resolve: (o: StoreOutcome) => void;
  reject: (e: unknown) => void;
}

export interface IngestStats {
  batches: number;
  blocksStored: number;
  blocksDuplicate: number;
  rusStored: number;
  failedBatches: number;
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
    queued: 0,
    lastBatchBlocks: 0,
    maxBatchBlocksSeen: 0,
  };

  constructor(
    private readonly journal: BatchStore,
    private readonly ledger: LedgerStore,
    private readonly maxBatchBlocks: number,
    private readonly log: Logger,
    private readonly onBatchError: (err: unknown) => void = () => undefined,
    private readonly onBatchStored: () => void = () => undefined,
  ) {}

  submit(block: LedgerBlock): Promise<StoreOutcome> {
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
      const batch = this.queue.splice(0, this.maxBatchBlocks);
      this.stats.queued = this.queue.length;
      const blocks = batch.map((p) => p.block);
      try {
        // Journal and ledger in parallel: the ack waits for both, and a block in only one of
        // them was never acknowledged, so the LAM resends it and dedupe absorbs the copy.
        const [, outcomes] = await Promise.all([this.journal.append(blocks), this.ledger.storeBatch(blocks)]);
        this.stats.batches++;
        this.stats.lastBatchBlocks = batch.length;
        this.stats.maxBatchBlocksSeen = Math.max(this.stats.maxBatchBlocksSeen, batch.length);
        this.onBatchStored();
        batch.forEach((p, i) => {
          const outcome = outcomes[i]!;
          if (outcome === 'stored') {
            this.stats.blocksStored++;
            this.stats.rusStored += p.block.ruCount;
          } else this.stats.blocksDuplicate++;
          p.resolve(outcome);
        });
      } catch (err) {
        this.stats.failedBatches++;
        this.log.warn(
          { err: (err as Error).message, blocks: batch.length },
          'batch not stored; blocks not acknowledged',
        );
        this.onBatchError(err);
        for (const p of batch) p.reject(err);
      }
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
