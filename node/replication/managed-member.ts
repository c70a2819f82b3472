/**
 * The node's own Galera member (galera.managed): renders its my.cnf, recovers its position
 * (`mariadbd --wsrep_recover`) before every start, starts it joining the peer (IST) or bootstrapping
 * a new Primary component (as decideMemberStart says), and stops it with the node. A member left
 * running by a node that was killed is adopted, not started twice.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Daemon, isAlive, spawnDaemon, stopWithDeadline } from '../../kernel/process.js';
import type { TlsConfig } from '../../kernel/tls/config.js';
import type { GaleraConfig } from '../config/schema.js';
import { parseGrastate } from './bootstrap.js';
import { type GaleraClusterLayout, type GaleraMemberLayout, renderMemberConfig } from './galera-config.js';
import { installMemberTls } from './member-tls.js';
import { recoverPosition } from './recover.js';

export interface RecordedState {
  uuid: string | null;
  seqno: number | null;
  safeToBootstrap: boolean;
  /** uuid:seqno to start from (IST), when recovered. */
  position: string | undefined;
}

export class ManagedMember {
  readonly layout: GaleraClusterLayout;
  readonly self: GaleraMemberLayout;
  private daemon: Daemon | undefined;
  private adoptedPid: number | undefined;
  state: 'down' | 'starting' | 'running' = 'down';
  recorded: RecordedState | undefined;

  constructor(
    private readonly g: GaleraConfig,
    nodeId: string,
    peerId: string,
    private readonly log: Logger,
    /** The node's certificate, used by the member too when galera.tls. */
    private readonly tls?: TlsConfig,
  ) {
    const dir = g.dataDir;
    this.self = {
      name: nodeId,
      host: g.address,
      sqlPort: g.sqlPort,
      groupPort: g.groupPort,
      istPort: g.istPort,
      sstPort: g.sstPort,
      dataDir: join(dir, 'data'),
      socket: join(dir, 'mysqld.sock'),
      pidFile: join(dir, 'mysqld.pid'),
      errorLog: join(dir, 'error.log'),
    };
    const peer = { ...this.self, name: peerId, host: g.peerAddress, groupPort: g.peerGroupPort };
    this.layout = {
      clusterName: g.clusterName,
      members: [this.self, peer],
      arbitrator: { host: g.witnessAddress, groupPort: g.witnessGroupPort },
      fastEviction: g.fastEviction,
      gcacheSize: `${g.gcacheMb}M`,
      bufferPoolSize: `${g.bufferPoolMb}M`,
      osUser: g.osUser,
    };
  }

  private get configPath(): string {
    return join(this.g.dataDir, 'my.cnf');
  }

  /** A member still running from before (the node was killed, mariadbd was not). */
  private runningPid(): number | undefined {
    if (this.daemon && this.daemon.child.exitCode === null && this.daemon.child.signalCode === null)
      return this.daemon.pid;
    try {
      const pid = Number(readFileSync(this.self.pidFile, 'utf8').trim());
      return pid > 0 && isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes my.cnf; adopts a running member. Throws with the fix when the datadir is missing. */
  prepare(): boolean {
    if (!existsSync(join(this.self.dataDir, 'mysql')))
      throw new Error(
        `galera.dataDir ${this.self.dataDir} is not initialised (no mysql/ system tables); the operations tooling seeds it from one cluster-wide copy`,
      );
    mkdirSync(this.g.dataDir, { recursive: true });
    if (this.g.tls && this.tls)
      this.self.tls = installMemberTls(this.tls, join(this.g.dataDir, 'tls'), this.g.osUser);
    writeFileSync(this.configPath, renderMemberConfig(this.layout, this.self));
    this.adoptedPid = this.runningPid();
    if (this.adoptedPid) {
      this.state = 'running';
      this.log.info({ pid: this.adoptedPid }, 'Galera member already running: adopted');
    }
    return this.adoptedPid !== undefined;
  }

  /** The member's last committed position (`--wsrep_recover`) and grastate.dat; once per start. */
  async recordedState(): Promise<RecordedState> {
    if (this.recorded) return this.recorded;
    const position = await recoverPosition(this.configPath, join(this.g.dataDir, 'recover.log'));
    const grastatePath = join(this.self.dataDir, 'grastate.dat');
    const grastate = parseGrastate(existsSync(grastatePath) ? readFileSync(grastatePath, 'utf8') : '');
    const seqno = position ? Number(position.slice(37)) : Number.NaN;
    this.recorded = {
      uuid: position ? position.slice(0, 36) : grastate.uuid,
      seqno: Number.isInteger(seqno) && seqno >= 0 ? seqno : grastate.seqno,
      safeToBootstrap: grastate.safeToBootstrap,
      position,
    };
    this.log.info({ recorded: this.recorded }, 'Galera member position recovered');
    return this.recorded;
  }

  start(action: 'join' | 'bootstrap'): void {
    const args = [`--defaults-file=${this.configPath}`];
    const position = this.recorded?.position;
    if (position) args.push(`--wsrep_start_position=${position}`);
    if (action === 'bootstrap') {
      const grastatePath = join(this.self.dataDir, 'grastate.dat');
      if (existsSync(grastatePath))
        writeFileSync(
          grastatePath,
          readFileSync(grastatePath, 'utf8').replace(/safe_to_bootstrap:\s*0/, 'safe_to_bootstrap: 1'),
        );
      args.push('--wsrep-new-cluster');
    }
    this.daemon = spawnDaemon('mariadbd', 'mariadbd', args, { logFile: join(this.g.dataDir, 'stdout.log') });
    this.state = 'starting';
    this.recorded = undefined;
    this.log.info({ action, pid: this.daemon.pid, position: position ?? null }, 'Galera member started');
  }

  /** Started (or adopted) and still running. */
  alive(): boolean {
    return this.runningPid() !== undefined || (this.adoptedPid !== undefined && isAlive(this.adoptedPid));
  }

  /** The member died under the node (crash, OOM kill): forget it, so it can be started again. */
  markDown(): void {
    this.daemon = undefined;
    this.adoptedPid = undefined;
    this.state = 'down';
  }

  async stop(): Promise<void> {
    if (this.daemon) await stopWithDeadline(this.daemon, 30_000);
    else if (this.adoptedPid && isAlive(this.adoptedPid)) {
      process.kill(this.adoptedPid, 'SIGTERM');
      for (let i = 0; i < 300 && isAlive(this.adoptedPid); i++) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(this.adoptedPid)) process.kill(this.adoptedPid, 'SIGKILL');
    }
    this.daemon = undefined;
    this.adoptedPid = undefined;
    this.state = 'down';
  }
}
