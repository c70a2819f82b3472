/**
 * The IPDR jobs of a node, every `ipdr.intervalMs`: while the node accepts blocks it also plans
 * (places new blocks into files, closes files, under the planner's job lease); every node renders
 * every planned file into its own directories (ledger-ipdr.ts).
 */
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../../../kernel/alarms.js';
import type { Series } from '../../../kernel/block.js';
import { sleep } from '../../../kernel/process.js';
import { tandemVersion } from '../../../kernel/version.js';
import type { NodeConfig } from '../../config/schema.js';
import type { Database } from '../../replication/database.js';
import type { MemberHealthMonitor } from '../../replication/member-health.js';
import type { IngestGate } from '../ingest-gate.js';
import { recorderId } from './document.js';
import { IpdrPlanner, IpdrRenderer, LEASE_TTL_MS } from './ledger-ipdr.js';

export const ALARM_IPDR_FAILURE = 'IpdrRenderFailure';

/** Told when this node stops holding the planner's job lease. */
export interface PlannerLeaseListener {
  deactivate(): void;
}

export interface IpdrJobsDeps {
  config: NodeConfig;
  db: Database;
  health: MemberHealthMonitor;
  ingest: IngestGate;
  alarms: AlarmRegistry;
  /** In a pair the role lease decides who plans; the planner's own lease is then taken at once. */
  inPair: boolean;
  log: Logger;
}

export class IpdrJobs {
  private readonly planner: IpdrPlanner;
  private readonly renderer: IpdrRenderer;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;
  private listeners: PlannerLeaseListener[] = [];
  /** Until when this node holds the planner's job lease. */
  private leasedUntilMs = 0;

  constructor(private readonly d: IpdrJobsDeps) {
    const { cam, node } = d.config;
    const limits = {
      fileRotationSize: cam.fileRotationSize,
      fileRotationTime: cam.fileRotationTime,
      recorderId: recorderId(cam.ipAddress),
      version: `2.0 Tandem/${tandemVersion()}`,
    };
    const log = d.log.child({ part: 'ipdr' });
    this.planner = new IpdrPlanner(d.db, node.id, limits, log);
    this.renderer = new IpdrRenderer(
      d.db,
      cam.baseFilePath,
      node.dataDir,
      { ...limits, compress: cam.fileCompression },
      log,
    );
  }

  start(listeners: PlannerLeaseListener[]): void {
    this.listeners = listeners;
    this.timer = setInterval(() => void this.round(), this.d.config.ipdr.intervalMs);
  }

  /** The planner's job lease is held (a single node plans and delivers only then). */
  get leased(): boolean {
    return Date.now() < this.leasedUntilMs;
  }

  /** Highest record sequence in closed files of a series, as rendered here. */
  closedThrough(series: Series): number {
    return this.renderer.closedThrough(series);
  }

  /** No longer planning: the job lease is dropped at once (rendering of what is planned goes on). */
  onDatabaseLost(): void {
    this.leasedUntilMs = 0;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    while (this.running) await sleep(20);
    // Hand the jobs over now rather than after the lease expires.
    if (this.leasedUntilMs > 0) await this.planner.release().catch(() => undefined);
  }

  private async round(): Promise<void> {
    const { health, ingest, alarms } = this.d;
    if (this.running || this.stopping || !health.health.writable) return;
    this.running = true;
    try {
      if (ingest.refusal() === undefined) {
        const startedAt = Date.now();
        const { leased } = await this.planner.round(startedAt, 2000, this.d.inPair);
        // Counted from before the renewal, and a second short of the TTL, so this node stops
        // acting as active before another node could take the lease.
        this.leasedUntilMs = leased ? startedAt + LEASE_TTL_MS - 1000 : 0;
        if (!leased) for (const l of this.listeners) l.deactivate();
      }
      await this.renderer.round();
      alarms.clear(ALARM_IPDR_FAILURE, 'IPDR rendering works again');
    } catch (err) {
      alarms.raise(
        ALARM_IPDR_FAILURE,
        'major',
        `IPDR planning or rendering failed: ${(err as Error).message}`,
      );
    } finally {
      this.running = false;
    }
  }
}
