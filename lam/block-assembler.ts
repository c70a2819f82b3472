/**
 * How a LAM turns RUs into blocks, pure (table-tested in test/unit/block-assembler.test.ts): RUs
 * fill the open block up to Table 3's RUs Per Block; a full block closes at once. The caller owns
 * time (it closes the open block after Block Rotation Time) and what a waiter is (a durable
 * submit's promise): each part of a submit that lands in a block adds a waiter of its own to that
 * block, so a submit spanning blocks is done only when all of them are.
 */

export interface OpenBlock<R, W> {
  rus: R[];
  waiters: W[];
}

export interface AddResult<R, W> {
  /** A block was opened by this call (start its rotation timer). */
  opened: boolean;
  /** Blocks filled to the limit by this call, in order (write them). */
  closed: OpenBlock<R, W>[];
}

export class BlockAssembler<R, W> {
  private open: OpenBlock<R, W> | undefined;

  constructor(private readonly rusPerBlock: number) {}

  /** The block being filled, if any. */
  get current(): OpenBlock<R, W> | undefined {
    return this.open;
  }

  /** Adds RUs; `waiter` (if given) makes one waiter for every block that receives some of them. */
  add(rus: readonly R[], waiter?: () => W): AddResult<R, W> {
    const closed: OpenBlock<R, W>[] = [];
    let opened = false;
    let rest = rus;
    while (rest.length > 0) {
      if (!this.open) {
        this.open = { rus: [], waiters: [] };
        opened = true;
      }
      const block = this.open;
      const room = this.rusPerBlock - block.rus.length;
      block.rus.push(...rest.slice(0, room));
      rest = rest.slice(room);
      if (waiter) block.waiters.push(waiter());
      if (block.rus.length >= this.rusPerBlock) {
        closed.push(block);
        this.open = undefined;
      }
    }
    return { opened: opened && this.open !== undefined, closed };
  }

  /** Closes the open block (rotation time, a durable submit, stop); undefined when none is open. */
  close(): OpenBlock<R, W> | undefined {
    const block = this.open;
    this.open = undefined;
    return block;
  }
}
