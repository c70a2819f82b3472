/**
 * The bounded queue between whoever emits an event and the publisher: `push` never blocks and never
 * grows past `capacity`; when full, the oldest event is dropped and counted (a console that was
 * away for long enough loses the oldest news first, and the count says how much). Pure.
 */
export class EventBuffer<T> {
  private readonly items: T[] = [];
  private head = 0;
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity ${capacity}: allowed ≥ 1`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.size >= this.capacity) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
    this.compact();
  }

  /** The oldest event, without removing it (it is removed once published: `shift`). */
  peek(): T | undefined {
    return this.size > 0 ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head++];
    this.compact();
    return item;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }
}
