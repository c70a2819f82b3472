/**
 * The keepalived sentinel: a small process of its own beside keepalived, so that it keeps running
 * when the node process is frozen (SIGSTOP, a hung kernel call, a debugger) or killed.
 *
 * keepalived follows the node through its track file ("0": may be master, "1": FAULT). A frozen
 * node cannot write "1", and keepalived would go on advertising the logical IP for a node that
 * cannot act, while the other node — which took the lease once it expired — could never become
 * VRRP master. So the node also writes, at every lease renewal, the moment until which it may hold
 * the address (renewal + lease TTL − margin: `holdsAddress` of role-machine.ts), and the sentinel
 * keeps a second track file of its own: "1" past that moment or once the node process is gone.
 * keepalived is in FAULT while either file says so. Each file has one writer, so no write of one
 * can undo the other's. This is the role a hardware or kernel watchdog plays for Patroni, without
 * rebooting the server.
 *
 * Run as `node sentinel.js <deadline file> <sentinel track file> <node pid> <keepalived pid file>`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface SentinelView {
  nowMs: number;
  /** Until when the node may hold the address (NaN when unreadable). */
  deadlineMs: number;
  nodeAlive: boolean;
}

/** Pure: the sentinel's track value ('0' or '1'), and whether it stops watching. */
export function sentinelVerdict(v: SentinelView): { track: '0' | '1'; exit: boolean } {
  if (!v.nodeAlive) return { track: '1', exit: true };
  const ok = Number.isFinite(v.deadlineMs) && v.nowMs <= v.deadlineMs;
  return { track: ok ? '0' : '1', exit: false };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function main(argv: string[]): void {
  const [deadlineFile, trackFile, nodePidText, keepalivedPidFile] = argv;
  const nodePid = Number(nodePidText);
  if (!deadlineFile || !trackFile || !Number.isInteger(nodePid) || !keepalivedPidFile) {
    process.stderr.write(
      'usage: sentinel <deadline file> <sentinel track file> <node pid> <keepalived pid file>\n',
    );
    process.exit(2);
  }
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} sentinel: ${msg}\n`);
  log(`watching node ${nodePid}`);
  let written = readOr(trackFile, '').trim();
  setInterval(() => {
    const v = sentinelVerdict({
      nowMs: Date.now(),
      deadlineMs: Number(readOr(deadlineFile, 'NaN')),
      nodeAlive: alive(nodePid),
    });
    if (v.track !== written) {
      writeFileSync(trackFile, `${v.track}\n`);
      written = v.track;
      log(
        v.track === '1' ? "the node's claim on the logical IP ran out: FAULT" : 'the node renewed its claim',
      );
    }
    if (!v.exit) return;
    log(`node ${nodePid} is gone: keepalived stopped`);
    const kpid = Number(readOr(keepalivedPidFile, ''));
    if (Number.isInteger(kpid) && kpid > 0) {
      try {
        process.kill(kpid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    process.exit(0);
  }, 50);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  main(process.argv.slice(2));
