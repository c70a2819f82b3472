/** A `tandem` subcommand run as a real child process on this host (demo, benchmarks, tests). */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Daemon, spawnDaemon, stopWithDeadline } from '../kernel/process.js';

/** dist/ops/cli.js, found from both the sources and dist/. */
export const CLI = import.meta.dirname.includes(`${join('dist', 'ops')}`)
  ? join(import.meta.dirname, 'cli.js')
  : join(import.meta.dirname, '..', 'dist', 'ops', 'cli.js');

/**
 * Local listener ports are picked below the kernel's ephemeral range (32768–60999 by default), in
 * a slice of their own per test worker. A port from listen(0) is in that range: between the check
 * and the real bind it can become the source port of any outgoing connection (to the database, an
 * FTP data channel) or another worker's "free" port — a listener that cannot bind, or worse, a
 * LAM of another test sending to this one's CAM (both seen as CI flakes).
 */
const PORT_RANGE = { min: 10_000, slice: 1000, slices: 15 };
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  const slice = Number(process.env.VITEST_POOL_ID ?? 0) % PORT_RANGE.slices;
  const first = PORT_RANGE.min + slice * PORT_RANGE.slice;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = first + Math.floor(Math.random() * PORT_RANGE.slice);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${first}–${first + PORT_RANGE.slice - 1} on 127.0.0.1`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export class CliProcess {
  daemon: Daemon | undefined;

  constructor(
    protected readonly name: string,
    private readonly logFile: string,
    private readonly cliArgs: () => string[],
    /** Run inside this network namespace (`ip netns exec`), e.g. a test's server namespace. */
    private readonly netns?: string,
  ) {}

  start(): void {
    // TANDEM_CPU_PROF_DIR=<dir>: each process writes a V8 CPU profile there when it stops (bench/).
    const prof = process.env.TANDEM_CPU_PROF_DIR;
    const argv = [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), CLI, ...this.cliArgs()];
    // `ip netns exec` execs the command in place: the pid is the node's own.
    this.daemon = this.netns
      ? spawnDaemon(this.name, 'ip', ['netns', 'exec', this.netns, process.execPath, ...argv], {
          logFile: this.logFile,
        })
      : spawnDaemon(this.name, process.execPath, argv, { logFile: this.logFile });
  }

  /** Resident memory now (MiB, from /proc); 0 when the process is not running. */
  rssMb(): number {
    const pid = this.daemon?.child.pid;
    if (!pid) return 0;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  }

  /** Running: started and not exited. */
  get alive(): boolean {
    return (
      this.daemon !== undefined &&
      this.daemon.child.exitCode === null &&
      this.daemon.child.signalCode === null
    );
  }

  async kill9(): Promise<void> {
    if (!this.daemon) return;
    this.daemon.child.kill('SIGKILL');
    await this.daemon.exited;
    this.daemon = undefined;
  }

  async stop(): Promise<void> {
    if (!this.daemon) return;
    await stopWithDeadline(this.daemon, 10_000);
    this.daemon = undefined;
  }
}
