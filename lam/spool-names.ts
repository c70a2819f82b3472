/**
 * Names and rotation of LAM spool files (pure). The seed's pattern is `RUblocks_<date>@<time>.<ext>`
 * with `.active` (being written), `.closed` (written, not yet sent) and `.reading` (being sent on
 * the recovery stream). Times are UTC; `<time>` is hhmmss plus 3-digit milliseconds (decision D7).
 */
export type SpoolState = 'active' | 'closed' | 'reading';

const NAME = /^RUblocks_(\d{8})@(\d{9})(?:-(\d+))?\.(active|closed|reading)$/;

export interface SpoolName {
  /** Name without the extension, e.g. RUblocks_20261124@081500123 */
  stem: string;
  state: SpoolState;
  /** Creation time in Unix ms, from the name. */
  createdAtMs: number;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** The stem for a file created at `ms`; `-N` is appended when two files share a millisecond. */
export function spoolStem(ms: number, collision = 0): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}${pad(d.getUTCMilliseconds(), 3)}`;
  return `RUblocks_${date}@${time}${collision > 0 ? `-${collision}` : ''}`;
}

export function parseSpoolName(file: string): SpoolName | undefined {
  const m = NAME.exec(file);
  if (!m) return undefined;
  const [, date, time, , state] = m as unknown as [string, string, string, string | undefined, SpoolState];
  const ms = Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(4, 6)) - 1,
    Number(date.slice(6, 8)),
    Number(time.slice(0, 2)),
    Number(time.slice(2, 4)),
    Number(time.slice(4, 6)),
    Number(time.slice(6, 9)),
  );
  return { stem: file.slice(0, file.lastIndexOf('.')), state, createdAtMs: ms };
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

/** Disk alarm levels of the spool partition (Table 3 thresholds, % used). */
export type DiskLevel = 'ok' | 'major' | 'critical';
export function diskLevel(usedPercent: number, major: number, critical: number): DiskLevel {
  if (usedPercent >= critical) return 'critical';
  if (usedPercent >= major) return 'major';
  return 'ok';
}
