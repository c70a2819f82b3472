/**
 * The feed's tables in memory (tests): placed blocks per series and the feed positions, with the
 * same rules as the database — positions never move back, blocks come in record order.
 */
import type { Series } from '../../kernel/block.js';
import type { RecordingUnit } from '../../proto/ru.js';
import type { FeedPosition, FeedTables, PlacedBlock } from './delivery-store.js';

export class FakeFeedTables implements FeedTables {
  private readonly blocks = new Map<Series, PlacedBlock[]>([
    ['primary', []],
    ['recovery', []],
  ]);
  private readonly positions = new Map<Series, FeedPosition>();
  /** Every saveFeedPosition call, in order (who saved what). */
  readonly saves: { series: Series; position: FeedPosition; node: string }[] = [];

  /** Places a block of `rus` after the series' last record (what an ingest batch does). */
  place(series: Series, rus: RecordingUnit[], receivedAtMs = 1_764_800_000_000): void {
    const list = this.blocks.get(series)!;
    const last = list.at(-1);
    const firstRecordSeq = last ? last.firstRecordSeq + last.rus.length : 1;
    list.push({ firstRecordSeq, receivedAtMs, rus });
  }

  async feedPosition(series: Series): Promise<FeedPosition> {
    return { ...(this.positions.get(series) ?? { confirmed: 0, written: 0 }) };
  }

  async saveFeedPosition(series: Series, p: FeedPosition, node: string): Promise<void> {
    const old = this.positions.get(series) ?? { confirmed: 0, written: 0 };
    this.positions.set(series, {
      confirmed: Math.max(old.confirmed, p.confirmed),
      written: Math.max(old.written, p.written),
    });
    this.saves.push({ series, position: { ...p }, node });
  }

  async nextRecordSeq(series: Series): Promise<number> {
    const last = this.blocks.get(series)!.at(-1);
    return last ? last.firstRecordSeq + last.rus.length : 1;
  }

  async placedBlocksFrom(series: Series, from: number, limit: number): Promise<PlacedBlock[]> {
    const list = this.blocks.get(series)!;
    // Like the query: from the block holding record `from` (it may start before it).
    const i = list.findIndex((b) => b.firstRecordSeq + b.rus.length > from);
    return i < 0 ? [] : list.slice(i, i + limit);
  }
}
