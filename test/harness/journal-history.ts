/**
 * A journal from earlier days under a node's data directory, as a node that ran for a while leaves
 * it: `blocks` one-RU blocks in `segments` sealed segments, optionally covered by a checkpoint
 * token the database holds (start-up then skips them). For the fuzz test and the start-up bench.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeBlock } from '../../kernel/block-log.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';

export interface History {
  segments: string[];
  bytes: number;
}

export function writeJournalHistory(
  journalDir: string,
  opts: { lamId: string; blocks: number; segments: number },
): History {
  mkdirSync(journalDir, { recursive: true });
  const existing = readdirSync(journalDir).filter((f) => f.endsWith('.jnl'));
  if (existing.length > 0) throw new Error(`${journalDir} already holds segments: ${existing.join(', ')}`);
  const payload = JSON.stringify(syntheticBlockRus(opts.lamId, 1, 1));
  const perSegment = Math.ceil(opts.blocks / opts.segments);
  const segments: string[] = [];
  let bytes = 0;
  for (let s = 0, seq = 1; s < opts.segments && seq <= opts.blocks; s++) {
    const records: Buffer[] = [];
    for (let i = 0; i < perSegment && seq <= opts.blocks; i++, seq++)
      records.push(
        encodeBlock({
          lamId: opts.lamId,
          blockSeq: seq,
          stream: 'primary',
          createdAtMs: 0,
          ruCount: 1,
          payload,
        }),
      );
    const name = `segment-${String(s + 1).padStart(12, '0')}.jnl`;
    const data = Buffer.concat(records);
    writeFileSync(join(journalDir, name), data);
    segments.push(name);
    bytes += data.length;
  }
  return { segments, bytes };
}

/** The local half of a checkpoint (the caller writes `token` to journal_checkpoint first). */
export function writeCheckpointFile(journalDir: string, token: string, segments: string[]): void {
  writeFileSync(join(journalDir, 'checkpoint.json'), JSON.stringify({ token, segments, atMs: 0 }));
}
