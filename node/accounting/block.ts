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
  /** The sending LAM's instance (Hello.lam_instance); absent from older LAMs and in a LAM's spool. */
  lamInstance?: string;
}

/**
 * `duplicate`: the key is stored with the same RUs (a resend). `conflict`: the key is stored with
 * other RUs — a reset LAM or a second host reuses the sequence; the block is not stored.
 */
export type StoreOutcome = 'stored' | 'duplicate' | 'conflict';
/** What a LAM is acked with (a conflict is refused instead). */
export type AckOutcome = Exclude<StoreOutcome, 'conflict'>;

export const blockKey = (b: { lamId: string; blockSeq: number }): string => `${b.lamId}\u0000${b.blockSeq}`;
