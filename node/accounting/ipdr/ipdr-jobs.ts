/**
 * The IPDR jobs of a node, every `ipdr.intervalMs`. Ingest batches place their own blocks into
 * files; while the node holds the role lease and accepts blocks it also plans (places blocks stored
 * unplaced, closes files whose rotation time passed; each round's transaction is fenced by the role
 * lease like an ingest batch). Every node renders every planned file into its own directories
 * (ledger-ipdr.ts).
 */
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../../../kernel/alarms.js';
import type { Series } from '../../../kernel/block.js';
import { sleep } from '../../../kernel/process.js';
import { tandemVersion } from '../../../kernel/version.js';
import type { NodeConfig } from '../../config/schema.js';
import type { NodeObserver } from '../../metrics/observer.js';
import type { Database } from '../../replication/database.js';
import type { MemberHealthMonitor } from '../../replication/member-health.js';
import type { IngestGate } from '../ingest-gate.js';
import type { FenceSource } from '../ledger.js';
import { recorderId } from './document.js';
import { IpdrPlanner, IpdrRenderer } from './ledger-ipdr.js';
import { IpdrPlacement } from './placement.js';

export const ALARM_IPDR_FAILURE = 'IpdrRenderFailure';

export interface IpdrJobsDeps {
  config: NodeConfig;
  db: Database;
  health: MemberHealthMonitor;
  ingest: IngestGate;
  alarms: AlarmRegistry;
  /** The role lease: planning commits, like ingest, only under this node's tenure. */
  fence: FenceSource;
  /** The placement rules the ingest batches use too (ipdrPlacement). */
  placement: IpdrPlacement;
  observer?: Pick<NodeObserver, 'fileRendered'>;
  log: Logger;
}

/** The file rules of this node's configuration (the same on both nodes of a pair). */
export function ipdrPlacement(config: NodeConfig): IpdrPlacement {
  const { cam } = config;
  return new IpdrPlacement({
    fileRotationSize: cam.fileRotationSize,
    fileRotationTime: cam.fileRotationTime,
    recorderId: recorderId(cam.ipAddress),
    version: `2.0 Tandem/${tandemVersion()}`,
  });
}

export class IpdrJobs {
  private readonly planner: IpdrPlanner;
  private readonly renderer: IpdrRenderer;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopping = false;

  constructor(private readonly d: IpdrJobsDeps) {
    const { cam, node } = d.config;
    const log = d.log.child({ part: 'ipdr' });
    this.planner = new IpdrPlanner(d.db, d.placement, log, d.fence);
    this.renderer = new IpdrRenderer(
      d.db,
      cam.baseFilePath,
      node.dataDir,
      { ...d.placement.limits, compress: cam.fileCompression },
      log,
      d.observer,
    );
  }

  start(): void {
    this.timer = setInterval(() => void this.round(), this.d.config.ipdr.intervalMs);
  }

  /** Highest record sequence in closed files of a series, as rendered here. */
  closedThrough(series: Series): number {
    return this.renderer.closedThrough(series);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    while (this.running) await sleep(20);
  }

  private async round(): Promise<void> {
    const { health, ingest, alarms } = this.d;
    if (this.running || this.stopping || !health.health.writable) return;
    this.running = true;
    try {
      if (ingest.refusal() === undefined) await this.planner.round(Date.now(), 2000);
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
