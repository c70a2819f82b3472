/**
 * Journal records the ledger refuses for good are set aside here instead of being retried
 * forever: `quarantine/blocks.jnl` keeps the block itself (same framing as the journal, so nothing
 * is lost and an operator can re-inject it after fixing the cause), `quarantine/index.ndjson` one
 * line per block with where it came from and why. Both are fsync'd before replay moves on.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BlockRecord, blockKey } from '../../kernel/block.js';
import { encodeBlock } from '../../kernel/block-log.js';
import { syncDir } from '../../kernel/durable-fs.js';

export interface QuarantinedBlock {
  lamId: string;
  blockSeq: number;
  stream: string;
  ruCount: number;
  /** The journal segment the block was read from. */
  segment: string;
  reason: string;
  atMs: number;
  /** sha256 of the payload: a key can be quarantined with one content and stored with another. */
  digest?: string;
}

const digestOf = (b: BlockRecord): string => createHash('sha256').update(b.payload).digest('hex');
/** Entries written before digests were kept match by key alone. */
const identity = (e: { lamId: string; blockSeq: number; digest?: string }): string =>
  `${blockKey(e)}\u0000${e.digest ?? ''}`;

export class JournalQuarantine {
  private readonly keys = new Set<string>();
  private readonly entries: QuarantinedBlock[] = [];

  private constructor(readonly dir: string) {}

  static async open(journalDir: string): Promise<JournalQuarantine> {
    const q = new JournalQuarantine(join(journalDir, 'quarantine'));
    mkdirSync(q.dir, { recursive: true });
    const text = await readFile(join(q.dir, 'index.ndjson'), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as QuarantinedBlock;
        q.keys.add(identity(e));
        q.entries.push(e);
      } catch {
        // a torn last line (crash while appending): its block is quarantined again if met again
      }
    }
    return q;
  }

  /** This very block (key and content) is quarantined. */
  has(b: BlockRecord): boolean {
    return this.keys.has(identity({ ...b, digest: digestOf(b) })) || this.keys.has(identity(b));
  }

  get count(): number {
    return this.entries.length;
  }

  /** The newest entries, for status. */
  recent(n = 10): QuarantinedBlock[] {
    return this.entries.slice(-n);
  }

  async add(
    block: BlockRecord,
    segment: string,
    reason: string,
    nowMs = Date.now(),
  ): Promise<QuarantinedBlock> {
    const entry: QuarantinedBlock = {
      lamId: block.lamId,
      blockSeq: block.blockSeq,
      stream: block.stream,
      ruCount: block.ruCount,
      segment,
      reason,
      atMs: nowMs,
      digest: digestOf(block),
    };
    // The block first: an index line never names a block that is not kept.
    await appendDurably(join(this.dir, 'blocks.jnl'), encodeBlock(block));
    await appendDurably(join(this.dir, 'index.ndjson'), `${JSON.stringify(entry)}\n`);
    await syncDir(this.dir);
    this.keys.add(identity(entry));
    this.entries.push(entry);
    return entry;
  }
}

async function appendDurably(path: string, data: Buffer | string): Promise<void> {
  const h = await open(path, 'a');
  try {
    await h.appendFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}
