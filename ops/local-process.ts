/** A `tandem` subcommand run as a real child process on this host (demo, benchmarks, tests). */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Daemon, spawnDaemon, stopWithDeadline } from '../kernel/process.js';

/** dist/ops/cli.js, found from both the sources and dist/. */
export const CLI = import.meta.dirname.includes(`${join('dist', 'ops')}`)
  ? join(import.meta.dirname, 'cli.js')
  : join(import.meta.dirname, '..', 'dist', 'ops', 'cli.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
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
