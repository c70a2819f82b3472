/**
 * Names and rotation of LAM spool files (pure). The seed's pattern is `RUblocks_<date>@<time>.<ext>`
 * with `.active` (being written), `.closed` (written, not yet sent) and `.reading` (being sent on
 * the recovery stream). Times are UTC; `<time>` is hhmmss plus 3-digit milliseconds (decision D7).
 */
import { parseTimestampedName, timestampedStem } from '../kernel/file-names.js';

export type SpoolState = 'active' | 'closed' | 'reading';
const STATES: readonly SpoolState[] = ['active', 'closed', 'reading'];

export interface SpoolName {
  /** Name without the extension, e.g. RUblocks_20261124@081500123 */
  stem: string;
  state: SpoolState;
  /** Creation time in Unix ms, from the name. */
  createdAtMs: number;
}

/** The stem for a file created at `ms`; `-N` is appended when two files share a millisecond. */
export const spoolStem = (ms: number, collision = 0): string => timestampedStem('RUblocks', ms, collision);

export function parseSpoolName(file: string): SpoolName | undefined {
  const n = parseTimestampedName('RUblocks', file, STATES);
  return n && { stem: n.stem, state: n.extension as SpoolState, createdAtMs: n.createdAtMs };
}

/** Table 3: rotate on whichever of size (bytes) or time (seconds) is reached first; 0 disables. */
export function shouldRotate(
  file: { bytes: number; openedAtMs: number },
  nowMs: number,
  limits: { fileRotationSize: number; fileRotationTime: number },
): boolean {
  if (file.bytes === 0) return false;
  if (limits.fileRotationSize > 0 && file.bytes >= limits.fileRotationSize) return true;
  if (limits.fileRotationTime > 0 && nowMs - file.openedAtMs >= limits.fileRotationTime * 1000) return true;
  return false;
}
