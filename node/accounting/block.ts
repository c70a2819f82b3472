/** A validated RU block as the CAM stores it: in the journal and in the ledger. */
export type StreamKind = 'primary' | 'recovery';

export interface LedgerBlock {
  lamId: string;
  blockSeq: number;
  stream: StreamKind;
  createdAtMs: number;
  ruCount: number;
  /** The block's RUs as a canonical JSON array (docs/ru-format.md). */
  payload: string;
}

export type StoreOutcome = 'stored' | 'duplicate';

export const blockKey = (b: { lamId: string; blockSeq: number }): string => `${b.lamId}\u0000${b.blockSeq}`;
