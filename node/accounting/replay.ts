/**
 * Replays the local journal into the ledger. Galera can lose committed writes when members crash
 * in quick succession, so a node re-inserts every block it acknowledged (idempotently: blocks
 * already in the ledger are skipped) before it acknowledges anything new.
 */
import type { Logger } from 'pino';
import type { Journal } from './journal.js';
import type { Ledger } from './ledger.js';

export interface ReplayReport {
  segments: number;
  blocks: number;
  restored: number;
  tornSegments: string[];
  corruptSegments: string[];
  durationMs: number;
}

export async function replayJournal(
  journal: Journal,
  ledger: Ledger,
  log: Logger,
  batchSize = 500,
): Promise<ReplayReport> {
  const started = Date.now();
  const report: ReplayReport = {
    segments: 0,
    blocks: 0,
    restored: 0,
    tornSegments: [],
    corruptSegments: [],
    durationMs: 0,
  };
  for (const name of await journal.earlierSegments()) {
    const seg = await journal.readSegment(name);
    report.segments++;
    report.blocks += seg.blocks.length;
    // A torn tail is the normal trace of a crash during a write that was never acknowledged.
    if (seg.problem === 'torn') report.tornSegments.push(name);
    if (seg.problem === 'corrupt') report.corruptSegments.push(name);
    for (let i = 0; i < seg.blocks.length; i += batchSize) {
      const outcomes = await ledger.storeBatch(seg.blocks.slice(i, i + batchSize));
      report.restored += outcomes.filter((o) => o === 'stored').length;
    }
  }
  report.durationMs = Date.now() - started;
  const level = report.restored > 0 || report.corruptSegments.length > 0 ? 'warn' : 'info';
  log[level](report, 'journal replayed into the ledger');
  return report;
}
