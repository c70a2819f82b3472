/**
 * Replays the local journal into the ledger. Galera can lose committed writes when members crash
 * in quick succession, so a node re-inserts every block it acknowledged (idempotently: blocks
 * already in the ledger are skipped) before it acknowledges anything new.
 *
 * Replay always makes progress or names the record that stops it:
 * - a block the ledger refuses for good is quarantined with its reason (quarantine.ts), never
 *   retried forever, never blocking the blocks after it or other LAMs;
 * - an unavailable database stops the replay with the segment and block it was at (retried).
 * Segments a valid checkpoint covers (journal-checkpoint.ts) are not read at all, so start-up time
 * does not grow with the journal's retention.
 */
import type { Logger } from 'pino';
import type { BlockRecord } from '../../kernel/block.js';
import { describeDbError } from '../replication/db-errors.js';
import { conflictReason, type LedgerStore } from './ingest.js';
import type { Journal } from './journal.js';
import type { CheckpointState, JournalCheckpoint } from './journal-checkpoint.js';
import type { StoreOutcome } from './ledger.js';
import type { JournalQuarantine, QuarantinedBlock } from './quarantine.js';

export interface ReplayReport {
  /** Segments in the journal (read or skipped). */
  segments: number;
  /** Segments not read because a valid checkpoint covers them. */
  skippedSegments: number;
  checkpoint: CheckpointState;
  blocks: number;
  restored: number;
  /** Blocks set aside by this replay (the ledger refused them for good). */
  quarantined: QuarantinedBlock[];
  tornSegments: string[];
  corruptSegments: string[];
  durationMs: number;
}

export interface ReplayDeps {
  journal: Journal;
  ledger: LedgerStore;
  quarantine: JournalQuarantine;
  checkpoint: JournalCheckpoint;
  /** True when the ledger's error is about the block itself (it would fail the same way again). */
  isRejectedForGood: (err: unknown) => boolean;
  log: Logger;
  batchSize?: number;
}

/** Replay could not go on; the message names the segment and the block. */
export class ReplayStoppedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplayStoppedError';
  }
}

export async function replayJournal(deps: ReplayDeps): Promise<ReplayReport> {
  const { journal, checkpoint, log } = deps;
  const started = Date.now();
  // Blocks this process acknowledged are in the current segment: seal it so they are replayed too.
  await journal.seal();
  const names = await journal.earlierSegments();
  const verified = await checkpoint.verified();
  const report: ReplayReport = {
    segments: 0,
    skippedSegments: 0,
    checkpoint: verified.state,
    blocks: 0,
    restored: 0,
    quarantined: [],
    tornSegments: [],
    corruptSegments: [],
    durationMs: 0,
  };
  for (const name of names) {
    report.segments++;
    if (verified.segments.has(name)) {
      report.skippedSegments++;
      continue;
    }
    const seg = await journal.readSegment(name);
    report.blocks += seg.blocks.length;
    // A torn tail is the normal trace of a crash during a write that was never acknowledged.
    if (seg.problem === 'torn') report.tornSegments.push(name);
    if (seg.problem === 'corrupt') report.corruptSegments.push(name);
    const size = deps.batchSize ?? 500;
    for (let i = 0; i < seg.blocks.length; i += size) {
      await replayBatch(deps, name, seg.blocks.slice(i, i + size), report);
    }
  }
  await checkpoint.commit(names);
  report.durationMs = Date.now() - started;
  const level = report.restored > 0 || report.corruptSegments.length > 0 || report.quarantined.length > 0;
  log[level ? 'warn' : 'info'](
    { ...report, quarantined: report.quarantined.length },
    'journal replayed into the ledger',
  );
  return report;
}

async function replayBatch(
  deps: ReplayDeps,
  segment: string,
  blocks: BlockRecord[],
  report: ReplayReport,
): Promise<void> {
  const pending = blocks.filter((b) => !deps.quarantine.has(b));
  try {
    const outcomes = await deps.ledger.storeBatch(pending);
    for (let i = 0; i < pending.length; i++) await account(deps, segment, pending[i]!, outcomes[i]!, report);
    return;
  } catch (err) {
    if (!deps.isRejectedForGood(err)) throw stopped(segment, pending[0], err);
  }
  // Some block in this batch is refused for good: find it (them) one by one.
  for (const b of pending) {
    try {
      const [outcome] = await deps.ledger.storeBatch([b]);
      await account(deps, segment, b, outcome!, report);
    } catch (err) {
      if (!deps.isRejectedForGood(err)) throw stopped(segment, b, err);
      await setAside(deps, segment, b, describeDbError(err), report);
    }
  }
}

/** A journal block whose key the ledger holds with other RUs was never acked: set it aside. */
async function account(
  deps: ReplayDeps,
  segment: string,
  b: BlockRecord,
  outcome: StoreOutcome,
  report: ReplayReport,
): Promise<void> {
  if (outcome === 'stored') report.restored++;
  else if (outcome === 'conflict') await setAside(deps, segment, b, conflictReason(b), report);
}

async function setAside(
  deps: ReplayDeps,
  segment: string,
  b: BlockRecord,
  reason: string,
  report: ReplayReport,
): Promise<void> {
  const entry = await deps.quarantine.add(b, segment, reason);
  report.quarantined.push(entry);
  deps.log.error(entry, 'journal record refused by the ledger for good; quarantined');
}

function stopped(segment: string, b: BlockRecord | undefined, err: unknown): ReplayStoppedError {
  const at = b ? ` at block ${b.blockSeq} of LAM ${b.lamId}` : '';
  return new ReplayStoppedError(`replay of ${segment} stopped${at}: ${describeDbError(err)}`, { cause: err });
}
