/**
 * The seed's file names `<prefix>_<yyyymmdd>@<hhmmssmmm>.<extension>` (UTC, 3-digit milliseconds,
 * decision D7), shared by the LAM spool (`RUblocks`) and the CAM's accounting files (`IPDR`). Pure.
 */
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * The name without extension; `-NNN` (zero-padded, so names still sort in creation order) is appended
 * when several files share a millisecond.
 */
export function timestampedStem(prefix: string, ms: number, collision = 0): string {
  const d = new Date(ms);
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}`;
  const time = `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}${pad(d.getUTCMilliseconds(), 3)}`;
  return `${prefix}_${date}@${time}${collision > 0 ? `-${pad(collision, 3)}` : ''}`;
}

export interface TimestampedName {
  stem: string;
  extension: string;
  createdAtMs: number;
}

/** Parses `<prefix>_<date>@<time>[-N].<extension>` when the extension is one of `extensions`. */
export function parseTimestampedName(
  prefix: string,
  file: string,
  extensions: readonly string[],
): TimestampedName | undefined {
  const m = new RegExp(`^(${prefix}_(\\d{8})@(\\d{9})(?:-\\d+)?)\\.(.+)$`).exec(file);
  if (!m || !extensions.includes(m[4]!)) return undefined;
  const [, stem, date, time, extension] = m as unknown as [string, string, string, string, string];
  const createdAtMs = Date.UTC(
    Number(date.slice(0, 4)),
    Number(date.slice(4, 6)) - 1,
    Number(date.slice(6, 8)),
    Number(time.slice(0, 2)),
    Number(time.slice(2, 4)),
    Number(time.slice(4, 6)),
    Number(time.slice(6, 9)),
  );
  return { stem, extension, createdAtMs };
}
