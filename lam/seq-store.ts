/**
 * Block sequence numbers that survive restarts and are never reused: ranges are reserved on disk
 * (write, fsync, rename) before use, so a crash only leaves a gap.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../node/common/durable-fs.js';

const RESERVE = 10_000;

export class SeqStore {
  private next = 1;
  private reservedUpTo = 0;

  private constructor(private readonly path: string) {}

  /** `atLeast`: one above the highest sequence found in the spool. */
  static async open(dir: string, atLeast: number): Promise<SeqStore> {
    const store = new SeqStore(join(dir, 'lam-state.json'));
    let saved = 1;
    try {
      const parsed = JSON.parse(await readFile(store.path, 'utf8')) as { nextSeq?: number };
      if (Number.isSafeInteger(parsed.nextSeq) && parsed.nextSeq! > 0) saved = parsed.nextSeq!;
    } catch {
      // first start, or a damaged state file: the spool's highest sequence still bounds us below
    }
    store.next = Math.max(saved, atLeast);
    await store.reserve();
    return store;
  }

  get peek(): number {
    return this.next;
  }

  async take(): Promise<number> {
    if (this.next >= this.reservedUpTo) await this.reserve();
    return this.next++;
  }

  private async reserve(): Promise<void> {
    const upTo = this.next + RESERVE;
    await writeFileDurably(this.path, JSON.stringify({ nextSeq: upTo }));
    this.reservedUpTo = upTo;
  }
}
