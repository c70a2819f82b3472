/**
 * A block of RUs as both sides keep it: the LAM in its spool, the CAM in its journal and its ledger
 * (framing: block-log.ts). (lamId, blockSeq) identifies a block forever.
 */

/** The two DTP streams, and the two IPDR file series and OSS feeds that follow them. */
export type Series = 'primary' | 'recovery';
/** Both series, in the order their IPDR file rows are locked within one transaction. */
export const SERIES: readonly Series[] = ['primary', 'recovery'];

export interface BlockRecord {
  lamId: string;
  blockSeq: number;
  stream: Series;
  createdAtMs: number;
  ruCount: number;
  /** The block's RUs as a canonical JSON array (docs/ru-format.md). */
  payload: string;
  /** The sending LAM's instance (Hello.lam_instance); absent from older LAMs and in a LAM's spool. */
  lamInstance?: string;
}

export const blockKey = (b: { lamId: string; blockSeq: number }): string => `${b.lamId}\u0000${b.blockSeq}`;
