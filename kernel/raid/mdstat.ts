/**
 * Linux software RAID health from /proc/mdstat (drivers/md/md.c's md_seq_show): which arrays exist,
 * how many of their members are up, and whether a rebuild or resync runs. Pure: the monitor reads
 * the file (raid-monitor.ts).
 *
 * An array line and its status lines look like:
 *   md1 : active raid5 sdd1[4] sdc1[2](F) sdb1[1] sda1[0]
 *         5860147200 blocks super 1.2 level 5, 512k chunk, algorithm 2 [4/3] [UU_U]
 *         [=>...................]  recovery =  8.5% (166271616/1953382400) finish=155.3min speed=191784K/sec
 */

export type RaidHealth = 'clean' | 'resyncing' | 'degraded' | 'rebuilding' | 'failed';

export interface MdArray {
  name: string;
  /** `active`, `inactive`, or `active (read-only)` / `active (auto-read-only)`. */
  state: string;
  /** e.g. raid1, raid5; '' when the kernel does not say (an inactive array). */
  level: string;
  devices: { name: string; failed: boolean; spare: boolean }[];
  /** The `[n/m]` figures: members the array should have and members up; absent for raid0/linear. */
  wanted?: number;
  up?: number;
  /** `recovery`, `resync`, `check`, `repair` or `reshape` with its progress, when one runs. */
  sync?: { action: string; percent?: number; finish?: string };
}

const ARRAY_LINE = /^(md\w+)\s*:\s*(active(?: \([\w-]+\))?|inactive)\s*(.*)$/;
const DEVICE = /^([\w.-]+)\[\d+\]((?:\([A-Z]\))*)$/;
const COUNTS = /\[(\d+)\/(\d+)\]/;
const SYNC = /\b(recovery|resync|check|repair|reshape)\s*=\s*([\d.]+)%(?:.*?finish=(\S+))?/;
const DELAYED = /\b(resync|recovery)\s*=\s*(DELAYED|PENDING)/;

export class MdstatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MdstatError';
  }
}

/** Every array in the file; throws MdstatError naming the line when it is not /proc/mdstat. */
export function parseMdstat(text: string): MdArray[] {
  const lines = text.split('\n');
  if (!lines.some((l) => l.startsWith('Personalities :')))
    throw new MdstatError('no "Personalities :" line: not the contents of /proc/mdstat');
  const arrays: MdArray[] = [];
  let current: MdArray | undefined;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trimEnd();
    const head = ARRAY_LINE.exec(line);
    if (head) {
      const [, name, state, rest] = head as unknown as [string, string, string, string];
      const words = rest.split(/\s+/).filter(Boolean);
      const level = words[0] && !DEVICE.test(words[0]) ? words.shift()! : '';
      const devices = words.map((w) => {
        const d = DEVICE.exec(w);
        if (!d) throw new MdstatError(`line ${i + 1}: "${w}" is not a member device (name[n] with flags)`);
        const flags = d[2] ?? '';
        return { name: d[1]!, failed: flags.includes('(F)'), spare: flags.includes('(S)') };
      });
      current = { name, state, level, devices };
      arrays.push(current);
      continue;
    }
    if (!current || !/^\s/.test(raw) || line.trim() === '') {
      if (line.trim() === '') current = undefined;
      continue;
    }
    const counts = COUNTS.exec(line);
    if (counts && current.wanted === undefined) {
      current.wanted = Number(counts[1]);
      current.up = Number(counts[2]);
    }
    const sync = SYNC.exec(line);
    if (sync) current.sync = { action: sync[1]!, percent: Number(sync[2]), finish: sync[3] };
    const delayed = DELAYED.exec(line);
    if (delayed && !current.sync) current.sync = { action: delayed[1]! };
  }
  return arrays;
}

/** How many missing members an array of this level survives (raid10: at least one). */
function tolerates(level: string, wanted: number): number {
  if (level === 'raid1') return wanted - 1;
  if (level === 'raid4' || level === 'raid5' || level === 'raid10') return 1;
  if (level === 'raid6') return 2;
  return 0;
}

/** The array's health: the worst of what its line, member counts and sync action say. */
export function raidHealth(a: MdArray): RaidHealth {
  if (a.state === 'inactive') return 'failed';
  if (a.wanted === undefined || a.up === undefined) {
    // raid0 / linear: no redundancy, no counts; a failed member means the array is lost.
    return a.devices.some((d) => d.failed) ? 'failed' : 'clean';
  }
  const missing = a.wanted - a.up;
  if (missing > tolerates(a.level, a.wanted)) return 'failed';
  if (missing > 0) return a.sync?.action === 'recovery' ? 'rebuilding' : 'degraded';
  return a.sync && a.sync.action !== 'check' ? 'resyncing' : 'clean';
}

/**
 * One line for status and alarms, e.g. "md1 raid5 [4/3] rebuilding, sdc1 failed, recovery 8.5%".
 * Alarms leave the progress out: a reason that changed every check would send a trap every check.
 */
export function describeArray(a: MdArray, { progress = true } = {}): string {
  const parts = [a.name, a.level || a.state];
  if (a.wanted !== undefined) parts.push(`[${a.wanted}/${a.up}]`);
  let text = `${parts.join(' ')} ${raidHealth(a)}`;
  const failed = a.devices.filter((d) => d.failed).map((d) => d.name);
  if (failed.length > 0) text += `, ${failed.join(' ')} failed`;
  if (a.sync && !progress) text += `, ${a.sync.action}`;
  else if (a.sync)
    text += `, ${a.sync.action}${a.sync.percent !== undefined ? ` ${a.sync.percent}%` : ' pending'}${a.sync.finish ? ` (finish ${a.sync.finish})` : ''}`;
  return text;
}
