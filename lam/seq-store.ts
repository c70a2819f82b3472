/**
 * Block sequence numbers that survive restarts and are never reused: ranges are reserved on disk
 * (write, fsync, rename) before use, so a crash only leaves a gap.
 *
 * The state also names this LAM's instance: a random id made with the state and kept with it. A
 * LAM whose state is new (reinstall, lost disk) has a new instance, which the CAM records with each
 * block and names when such a LAM reuses sequence numbers another instance already stored.
 */

import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from '../kernel/durable-fs.js';

const RESERVE = 10_000;
const INSTANCE = /^[A-Za-z0-9_.-]{1,64}$/;

export class SeqStore {
  private next = 1;
  private reservedUpTo = 0;
  /** Writes of the state file, one at a time. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly path: string,
    readonly instance: string,
  ) {}

  /** `atLeast`: one above the highest sequence found in the spool. */
  static async open(dir: string, atLeast: number): Promise<SeqStore> {
    const path = join(dir, 'lam-state.json');
    let saved: { nextSeq?: number; instance?: string } = {};
    try {
      saved = JSON.parse(await readFile(path, 'utf8'));
    } catch {
      // first start, or a damaged state file: the spool's highest sequence still bounds us below
    }
    const nextSeq = Number.isSafeInteger(saved.nextSeq) && saved.nextSeq! > 0 ? saved.nextSeq! : 1;
    const instance =
      typeof saved.instance === 'string' && INSTANCE.test(saved.instance) ? saved.instance : randomUUID();
    const store = new SeqStore(path, instance);
    store.next = Math.max(nextSeq, atLeast);
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

  /**
   * Moves the next sequence past `seq` (the CAM already stores blocks up to it for this LAM id).
   * Returns false when nothing had to move.
   */
  async movePast(seq: number): Promise<boolean> {
    if (seq < this.next) return false;
    this.next = seq + 1;
    await this.reserve();
    return true;
  }

  private reserve(): Promise<void> {
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (this.next < this.reservedUpTo) return;
        const upTo = this.next + RESERVE;
        await writeFileDurably(this.path, JSON.stringify({ nextSeq: upTo, instance: this.instance }));
        this.reservedUpTo = upTo;
      });
    return this.writing;
  }
}
