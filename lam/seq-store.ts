/**
 * Block sequence numbers that survive restarts and are never reused: ranges are reserved on disk
 * (write, fsync, rename) before use, so a crash only leaves a gap.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

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
    const tmp = `${this.path}.tmp`;
    const h = await open(tmp, 'w');
    await h.writeFile(JSON.stringify({ nextSeq: upTo }));
    await h.sync();
    await h.close();
    await rename(tmp, this.path);
    this.reservedUpTo = upTo;
  }
}
