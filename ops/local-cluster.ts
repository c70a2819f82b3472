/**
 * A real MariaDB Galera pair plus a garbd arbitrator on one host (loopback), for tests, the demo
 * and benchmarks. Production nodes render the same member configuration (galera-config.ts).
 */

import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mariadb from 'mariadb';
import { type Daemon, isAlive, sleep, spawnDaemon, stopWithDeadline, waitFor } from '../kernel/process.js';
import type { TlsConfig } from '../kernel/tls/config.js';
import { verifiedSsl } from '../node/replication/database.js';
import {
  type GaleraClusterLayout,
  type GaleraMemberLayout,
  garbdArgs,
  renderMemberConfig,
} from '../node/replication/galera-config.js';
import { installMemberTls, memberTlsFiles } from '../node/replication/member-tls.js';
import { recoverPosition } from '../node/replication/recover.js';

const run = promisify(execFile);

export const LOCAL_DB_USER = 'tandem';
export const LOCAL_DB_PASSWORD = 'tandem-local';
export const LOCAL_DB_NAME = 'tandem';

export interface MemberStatus {
  clusterStatus: string; // Primary | non-Primary | Disconnected
  clusterSize: number;
  localState: string; // Synced, Donor/Desynced, Joining, …
  ready: boolean;
}

export interface LocalClusterOptions {
  baseDir: string;
  /** SQL ports are base, base+1; group/IST/SST ports follow. */
  basePort: number;
  clusterName?: string;
  fastEviction?: boolean;
  /** Addresses of member a, member b and garbd (default: all 127.0.0.1). */
  hosts?: { a: string; b: string; garbd: string };
  /** Network namespaces to run them in (a test's "servers"); default: this one. */
  netns?: { a: string; b: string; garbd: string };
  /** Extra client hosts the application user may connect from (MySQL host patterns). */
  clientHosts?: string[];
  /**
   * TLS on replication, state transfer and the SQL ports, as galera.tls renders it: each member's
   * and garbd's certificate (a member's must name its address). Members run by their nodes
   * (galera.managed) bring their own; here only garbd's and the CA are used for them.
   */
  tls?: { a?: TlsConfig; b?: TlsConfig; garbd: TlsConfig; allowPlainSql?: boolean };
}

export class LocalGaleraCluster {
  readonly layout: GaleraClusterLayout;

  constructor(private readonly opts: LocalClusterOptions) {
    const hosts = opts.hosts ?? { a: '127.0.0.1', b: '127.0.0.1', garbd: '127.0.0.1' };
    const member = (name: 'a' | 'b', i: number): GaleraMemberLayout => {
      const dir = join(opts.baseDir, name);
      return {
        name,
        host: hosts[name],
        sqlPort: opts.basePort + i,
        groupPort: opts.basePort + 10 + i * 10,
        istPort: opts.basePort + 11 + i * 10,
        sstPort: opts.basePort + 12 + i * 10,
        dataDir: join(dir, 'data'),
        socket: join(dir, 'mysqld.sock'),
        pidFile: join(dir, 'mysqld.pid'),
        errorLog: join(dir, 'error.log'),
      };
    };
    this.layout = {
      clusterName: opts.clusterName ?? 'tandem',
      members: [member('a', 0), member('b', 1)],
      arbitrator: { host: hosts.garbd, groupPort: opts.basePort + 30 },
      fastEviction: opts.fastEviction ?? true,
      gcacheSize: '64M',
      bufferPoolSize: '64M',
      osUser: 'mysql',
    };
    // Where the TLS copies will lie (installed at start), so that any instance for this cluster
    // (e.g. a test's, to restart garbd) renders the same options.
    const tls = opts.tls;
    if (tls) {
      const allowPlainSql = tls.allowPlainSql;
      for (const m of this.layout.members)
        if (tls[m.name as 'a' | 'b']) m.tls = { ...memberTlsFiles(this.tlsDir(m.name)), allowPlainSql };
      this.layout.arbitrator.tls = memberTlsFiles(this.tlsDir('garbd'));
    }
  }

  private tlsDir(name: string): string {
    return join(this.opts.baseDir, `${name}-tls`);
  }

  member(name: string): GaleraMemberLayout {
    const m = this.layout.members.find((x) => x.name === name);
    if (!m) throw new Error(`no Galera member named ${name}`);
    return m;
  }

  connectionFor(name: string) {
    const m = this.member(name);
    const tls = this.opts.tls;
    return {
      ...(tls && !tls.allowPlainSql
        ? { ssl: verifiedSsl(m.host, { ca: readFileSync(tls.garbd.caFile, 'utf8') }) }
        : {}),
      host: m.host,
      port: m.sqlPort,
      user: LOCAL_DB_USER,
      password: LOCAL_DB_PASSWORD,
      database: LOCAL_DB_NAME,
    };
  }

  /** Bootstrap A, join B (IST from a shared seed datadir, no full copy), then start garbd. */
  async start(): Promise<void> {
    this.killLeftovers();
    rmSync(this.opts.baseDir, { recursive: true, force: true });
    mkdirSync(this.opts.baseDir, { recursive: true });
    this.installTls();
    await this.buildSeedDataDir();
    for (const m of this.layout.members) {
      mkdirSync(join(this.opts.baseDir, m.name), { recursive: true });
      await run('cp', ['-a', join(this.opts.baseDir, 'seed'), m.dataDir]);
      writeFileSync(this.configPath(m), renderMemberConfig(this.layout, m));
      this.chownToMysql(join(this.opts.baseDir, m.name));
    }
    const [a, b] = this.layout.members as [GaleraMemberLayout, GaleraMemberLayout];
    this.startMember(a, ['--wsrep-new-cluster']);
    await this.waitForState(a.name, (s) => s.clusterStatus === 'Primary' && s.ready, 60_000);
    this.startMember(b, []);
    await this.waitForState(b.name, (s) => s.localState === 'Synced', 60_000);
    this.startArbitrator();
    await this.waitForState(a.name, (s) => s.clusterSize === 3, 30_000);
  }

  /**
   * Seeds datadirs for members that their nodes will run themselves (galera.managed): one seed,
   * copied to `<dir>/data` for each, owned by the members' OS user. Nothing is started.
   */
  async prepareDataDirs(dirs: string[]): Promise<void> {
    this.killLeftovers();
    rmSync(this.opts.baseDir, { recursive: true, force: true });
    mkdirSync(this.opts.baseDir, { recursive: true });
    this.installTls();
    await this.buildSeedDataDir();
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      await run('cp', ['-a', join(this.opts.baseDir, 'seed'), join(dir, 'data')]);
      this.chownToMysql(dir);
    }
  }

  /** Starts garbd alone (the witness), for members run by their nodes. */
  startWitness(): void {
    this.startArbitrator();
  }

  /** Sends a signal to a member or to the arbitrator ("garbd"); works from any process. */
  signal(name: string, signal: NodeJS.Signals): void {
    const pid = this.pidOf(name);
    if (pid === undefined) throw new Error(`${name} is not running`);
    process.kill(pid, signal);
  }

  /** SIGSTOP, then wait until every thread of the process has really stopped (state T). */
  async pause(name: string): Promise<void> {
    this.signal(name, 'SIGSTOP');
    const pid = this.pidOf(name)!;
    await waitFor(
      `${name} to stop`,
      async () => {
        const tasks = readdirSync(`/proc/${pid}/task`);
        const stopped = tasks.every((t) => /\) T /.test(readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')));
        return stopped ? true : undefined;
      },
      { timeoutMs: 5000, intervalMs: 5 },
    );
  }

  /** `kill -9`, then wait until the process is gone. */
  async kill(name: string): Promise<void> {
    const pid = this.pidOf(name);
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await waitFor(`${name} to exit`, async () => (isAlive(pid) ? undefined : true), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    rmSync(this.pidPath(name), { force: true });
  }

  /** SIGTERM with a deadline, then SIGKILL. */
  async stop(name: string, deadlineMs = 15_000): Promise<void> {
    const pid = this.pidOf(name);
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + deadlineMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(pid)) await this.kill(name);
    rmSync(this.pidPath(name), { force: true });
  }

  /** Restart a member that crashed or was stopped: recover its position, rejoin by IST. */
  async restart(name: string): Promise<void> {
    if (name === 'garbd') {
      this.startArbitrator();
      return;
    }
    const m = this.member(name);
    const position = await recoverPosition(
      this.configPath(m),
      join(this.opts.baseDir, m.name, 'recover.log'),
    );
    this.startMember(m, position ? [`--wsrep_start_position=${position}`] : []);
  }

  /**
   * Stops a member and forgets its state (grastate.dat): started again, it joins by a full state
   * transfer (SST) from the other member instead of IST.
   */
  async rejoinBySst(name: string): Promise<void> {
    const m = this.member(name);
    await this.stop(name);
    rmSync(join(m.dataDir, 'grastate.dat'), { force: true });
    rmSync(join(m.dataDir, 'galera.cache'), { force: true });
    this.startMember(m, []);
  }

  async waitForState(
    name: string,
    ok: (s: MemberStatus) => boolean,
    timeoutMs: number,
  ): Promise<MemberStatus> {
    return waitFor(
      `${name} to reach the expected Galera state`,
      async () => {
        const s = await this.status(name);
        return ok(s) ? s : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  async status(name: string): Promise<MemberStatus> {
    const conn = await mariadb.createConnection({
      ...this.connectionFor(name),
      connectTimeout: 1000,
      socketTimeout: 2000,
    });
    try {
      const rows: { Variable_name: string; Value: string }[] = await conn.query(
        "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_cluster_size','wsrep_local_state_comment','wsrep_ready')",
      );
      const v = new Map(rows.map((r) => [r.Variable_name, r.Value]));
      return {
        clusterStatus: v.get('wsrep_cluster_status') ?? 'unknown',
        clusterSize: Number(v.get('wsrep_cluster_size') ?? 0),
        localState: v.get('wsrep_local_state_comment') ?? 'unknown',
        ready: v.get('wsrep_ready') === 'ON',
      };
    } finally {
      conn.destroy();
    }
  }

  isRunning(name: string): boolean {
    return this.pidOf(name) !== undefined;
  }

  pidOf(name: string): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidPath(name), 'utf8'));
      return pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async stopAll(): Promise<void> {
    // garbd first, then B, then A: the last one standing shuts down with safe_to_bootstrap=1.
    for (const name of ['garbd', 'b', 'a']) await this.stop(name);
  }

  private configPath(m: GaleraMemberLayout): string {
    return join(this.opts.baseDir, m.name, 'my.cnf');
  }

  private startMember(m: GaleraMemberLayout, extra: string[]): void {
    const [cmd, args] = this.inNetns(m.name, 'mariadbd', [`--defaults-file=${this.configPath(m)}`, ...extra]);
    const d = spawnDaemon(m.name, cmd, args, { logFile: join(this.opts.baseDir, m.name, 'stdout.log') });
    this.recordPid(m.name, d);
  }

  private startArbitrator(): void {
    const [cmd, args] = this.inNetns('garbd', 'garbd', garbdArgs(this.layout));
    const d = spawnDaemon('garbd', cmd, args, { logFile: join(this.opts.baseDir, 'garbd.log') });
    this.recordPid('garbd', d);
  }

  /** `ip netns exec <ns> cmd …` when the member has a namespace (it execs: same pid). */
  private inNetns(name: string, cmd: string, args: string[]): [string, string[]] {
    const ns = this.opts.netns?.[name as 'a' | 'b' | 'garbd'];
    return ns ? ['ip', ['netns', 'exec', ns, cmd, ...args]] : [cmd, args];
  }

  /** One datadir, booted once as a one-node cluster with the app user, copied to both members. */
  private async buildSeedDataDir(): Promise<void> {
    const seedDir = join(this.opts.baseDir, 'seed');
    const seedHome = join(this.opts.baseDir, 'seed-home');
    mkdirSync(seedHome, { recursive: true });
    this.chownToMysql(seedHome);
    await run('mariadb-install-db', [
      `--user=${this.layout.osUser}`,
      `--datadir=${seedDir}`,
      '--skip-test-db',
      '--auth-root-authentication-method=socket',
    ]);
    const a = this.layout.members[0]!;
    const seedMember: GaleraMemberLayout = {
      ...a,
      host: '127.0.0.1', // the seed boots here, whatever namespace the members will run in
      name: 'seed',
      dataDir: seedDir,
      socket: join(seedHome, 'mysqld.sock'),
      pidFile: join(seedHome, 'mysqld.pid'),
      errorLog: join(seedHome, 'error.log'),
    };
    const cnf = join(seedHome, 'my.cnf');
    writeFileSync(cnf, renderMemberConfig(this.layout, seedMember));
    const seed = spawnDaemon('seed', 'mariadbd', [`--defaults-file=${cnf}`, '--wsrep-new-cluster'], {
      logFile: join(seedHome, 'stdout.log'),
    });
    try {
      const sql = [
        `CREATE DATABASE IF NOT EXISTS ${LOCAL_DB_NAME}`,
        `CREATE USER '${LOCAL_DB_USER}'@'127.0.0.1' IDENTIFIED BY '${LOCAL_DB_PASSWORD}'`,
        `CREATE USER '${LOCAL_DB_USER}'@'localhost' IDENTIFIED BY '${LOCAL_DB_PASSWORD}'`,
        `GRANT ALL PRIVILEGES ON *.* TO '${LOCAL_DB_USER}'@'127.0.0.1'`,
        `GRANT ALL PRIVILEGES ON *.* TO '${LOCAL_DB_USER}'@'localhost'`,
        ...(this.opts.clientHosts ?? []).flatMap((h) => [
          `CREATE USER '${LOCAL_DB_USER}'@'${h}' IDENTIFIED BY '${LOCAL_DB_PASSWORD}'`,
          `GRANT ALL PRIVILEGES ON *.* TO '${LOCAL_DB_USER}'@'${h}'`,
        ]),
      ].join(';');
      await waitFor(
        'the seed server to accept SQL',
        async () => {
          await run('mariadb', [`--socket=${seedMember.socket}`, '-e', 'SELECT 1']);
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      await run('mariadb', [`--socket=${seedMember.socket}`, '-e', sql]);
    } finally {
      await stopWithDeadline(seed, 30_000);
    }
  }

  /** The members' and garbd's copies of their TLS files, readable by the members' OS user. */
  private installTls(): void {
    const tls = this.opts.tls;
    if (!tls) return;
    for (const name of ['a', 'b', 'garbd'] as const) {
      const source = tls[name];
      if (source) installMemberTls(source, this.tlsDir(name), this.layout.osUser);
    }
  }

  private chownToMysql(path: string): void {
    // mariadbd runs as the mysql user (as in production), so the rsync SST can write the datadir.
    execFileSync('chown', ['-R', `${this.layout.osUser}:${this.layout.osUser}`, path]);
  }

  private pidPath(name: string): string {
    return join(this.opts.baseDir, `${name}.pid`);
  }

  private recordPid(name: string, d: Daemon): void {
    writeFileSync(this.pidPath(name), String(d.pid));
    // Reap here when we are the parent; other processes poll the pid.
    void d.exited;
  }

  /** Processes left behind by an earlier run that crashed before its teardown. */
  private killLeftovers(): void {
    for (const name of ['garbd', 'a', 'b']) {
      const pid = this.pidOf(name);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
  }
}
