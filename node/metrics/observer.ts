/**
 * What the node's parts report as it happens, for histograms (node-metrics.ts implements it).
 * Parts take this interface, not prom-client, so they stay testable without a registry; counts the
 * parts keep anyway (stats objects) are read at scrape time instead of being reported here.
 */
import type { Series } from '../../kernel/block.js';

export interface NodeObserver {
  /** A block received on a DTP stream has its outcome (stored or duplicate): the ack goes out. */
  blockAcked(stream: Series, seconds: number): void;
  /** One group-commit batch made durable in the journal and the ledger. */
  batchCommitted(blocks: number, seconds: number): void;
  /** A closed IPDR file rendered and written to this node's disk. */
  fileRendered(series: Series, seconds: number): void;
  /** A block's records written to the OSS collector's socket, `lagSeconds` after it was received. */
  feedWritten(series: Series, lagSeconds: number): void;
}

/** Observes nothing (tests and offline tools). */
export const noObserver: NodeObserver = {
  blockAcked() {},
  batchCommitted() {},
  fileRendered() {},
  feedWritten() {},
};
