/**
 * The CAM node's operational measurements as Prometheus metrics (`GET /metrics` on the admin API;
 * every name is documented in docs/metrics.md). Histograms are observed as things happen
 * (NodeObserver); counters and gauges are read from the node's status at every scrape, so each
 * number has one home and `/status` and `/metrics` never disagree.
 */
import { Histogram } from 'prom-client';
import { SERIES, type Series } from '../../kernel/block.js';
import {
  commonMetrics,
  countedFrom,
  gaugedFrom,
  LATENCY_BUCKETS,
  processRegistry,
  type Registry,
  SIZE_BUCKETS,
  scrapeSnapshot,
} from '../../kernel/metrics.js';
import type { CamStatus } from '../node-status.js';
import type { Role } from '../role/role-machine.js';
import type { NodeObserver } from './observer.js';

/** Where the scrape-time numbers come from: the node's status projection. */
export interface NodeMetricsSource {
  status(): CamStatus;
}

const ROLES: readonly Role[] = ['joining', 'standby', 'active', 'handing-over', 'maintenance', 'fenced'];

export class NodeMetrics implements NodeObserver {
  readonly registry: Registry;
  private readonly ack: Histogram<'stream'>;
  private readonly batchBlocks: Histogram;
  private readonly commit: Histogram;
  private readonly render: Histogram<'series'>;
  private readonly feedLag: Histogram<'series'>;

  constructor(nodeId: string, version: string, source: NodeMetricsSource) {
    const r = processRegistry({ node: nodeId });
    this.registry = r;
    this.ack = new Histogram({
      name: 'tandem_cam_ack_latency_seconds',
      help: 'Time from a block received on a DTP stream to its ack (journal and ledger durable)',
      labelNames: ['stream'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.batchBlocks = new Histogram({
      name: 'tandem_cam_ingest_batch_blocks',
      help: 'Blocks per group-commit batch (one fdatasync and one replicated transaction)',
      buckets: SIZE_BUCKETS,
      registers: [r],
    });
    this.commit = new Histogram({
      name: 'tandem_cam_ingest_commit_seconds',
      help: 'Time to make one group-commit batch durable in the journal and the ledger',
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.render = new Histogram({
      name: 'tandem_cam_ipdr_file_render_seconds',
      help: 'Time to render one closed IPDR file and write it to this node',
      labelNames: ['series'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    this.feedLag = new Histogram({
      name: 'tandem_cam_feed_lag_seconds',
      help: 'Time from a block received to its records written to the OSS collector (TCP feed), per block',
      labelNames: ['series'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    scrapeTimeMetrics(r, version, source);
  }

  blockAcked(stream: Series, seconds: number): void {
    this.ack.observe({ stream }, seconds);
  }

  batchCommitted(blocks: number, seconds: number): void {
    this.batchBlocks.observe(blocks);
    this.commit.observe(seconds);
  }

  fileRendered(series: Series, seconds: number): void {
    this.render.observe({ series }, seconds);
  }

  feedWritten(series: Series, lagSeconds: number): void {
    this.feedLag.observe({ series }, lagSeconds);
  }
}

/** Counters and gauges read from one status snapshot per scrape. */
function scrapeTimeMetrics(r: Registry, version: string, source: NodeMetricsSource): void {
  const s = scrapeSnapshot(() => source.status());
  const flag = (b: boolean) => (b ? 1 : 0);
  const ingest = () => s().ingest;

  commonMetrics(r, 'tandem_cam', version, s);
  // Ingest (the seed's OMs: records received, stored, duplicates, refused).
  countedFrom(
    r,
    'tandem_cam_blocks_total',
    'Blocks answered by outcome: stored (new), duplicate (acked again), rejected (refused for good), conflict (key stored with other RUs)',
    () => {
      const i = ingest();
      return i
        ? [
            [{ outcome: 'stored' }, i.blocksStored],
            [{ outcome: 'duplicate' }, i.blocksDuplicate],
            [{ outcome: 'rejected' }, i.blocksRejected],
            [{ outcome: 'conflict' }, i.blocksConflicting],
          ]
        : [];
    },
    ['outcome'],
  );
  countedFrom(
    r,
    'tandem_cam_rus_stored_total',
    'RUs stored in the ledger and acked (duplicates not counted again)',
    () => ingest()?.rusStored ?? 0,
  );
  countedFrom(
    r,
    'tandem_cam_ingest_batches_total',
    'Group-commit batches stored',
    () => ingest()?.batches ?? 0,
  );
  countedFrom(
    r,
    'tandem_cam_ingest_batch_failures_total',
    'Group-commit batches that failed (their blocks were not acked; LAMs resend)',
    () => ingest()?.failedBatches ?? 0,
  );
  gaugedFrom(
    r,
    'tandem_cam_ingest_queued_blocks',
    'Blocks waiting for the next group-commit batch',
    () => ingest()?.queued ?? 0,
  );
  // DTP streams.
  countedFrom(
    r,
    'tandem_cam_dtp_streams_opened_total',
    'DTP streams opened (Hello answered with Welcome)',
    () => s().dtp?.streamsOpened ?? 0,
  );
  countedFrom(
    r,
    'tandem_cam_dtp_streams_rejected_total',
    'DTP streams refused at the Hello',
    () => s().dtp?.streamsRejected ?? 0,
  );
  countedFrom(
    r,
    'tandem_cam_dtp_blocks_received_total',
    'Blocks received on DTP streams',
    () => s().dtp?.blocksReceived ?? 0,
  );
  countedFrom(
    r,
    'tandem_cam_dtp_errors_sent_total',
    'Error frames sent to LAMs (each ends its stream), by error code',
    () => Object.entries(s().dtp?.errorsSent ?? {}).map(([code, n]) => [{ code }, n] as const),
    ['code'],
  );
  gaugedFrom(
    r,
    'tandem_cam_dtp_streams',
    'Open DTP streams by stream (primary, recovery)',
    () =>
      SERIES.map(
        (stream) => [{ stream }, s().dtp?.streams.filter((x) => x.stream === stream).length ?? 0] as const,
      ),
    ['stream'],
  );
  // Journal.
  gaugedFrom(
    r,
    'tandem_cam_journal_quarantined_blocks',
    'Journal blocks set aside because the ledger refused them for good',
    () => s().journal.quarantined,
  );
  // Ownership and the database member.
  gaugedFrom(r, 'tandem_cam_accepting', '1 while this node acks blocks', () => flag(s().accepting));
  gaugedFrom(
    r,
    'tandem_cam_role',
    '1 for the role this node is in (joining, standby, active, handing-over, maintenance, fenced)',
    () => ROLES.map((role) => [{ role }, flag(s().role.role === role)] as const),
    ['role'],
  );
  gaugedFrom(
    r,
    'tandem_cam_lease_epoch',
    'Epoch of the role lease as this node last read it (grows at every change of owner)',
    () => s().role.lease?.epoch ?? 0,
  );
  countedFrom(
    r,
    'tandem_cam_role_demotions_total',
    'Times this node left the active role, by reason',
    () => Object.entries(s().role.demotions).map(([reason, n]) => [{ reason }, n] as const),
    ['reason'],
  );
  countedFrom(
    r,
    'tandem_cam_role_stalls_ridden_total',
    'Database stalls the active rode out without giving up the role',
    () => s().role.stallsRidden,
  );
  gaugedFrom(
    r,
    'tandem_cam_peer_alive',
    '1 while the peer answers heartbeats (absent for a single node)',
    () => {
      const p = s().peer;
      return p ? [[{ peer: p.id }, flag(p.alive)]] : [];
    },
    ['peer'],
  );
  gaugedFrom(
    r,
    'tandem_cam_database_writable',
    "1 while this node's database member is in a Primary component and writable",
    () => flag(s().database.writable),
  );
  gaugedFrom(
    r,
    'tandem_cam_database_cluster_size',
    "Members of the Galera component this node's member is in",
    () => s().database.clusterSize ?? 0,
  );
  // Disks and alarms.
  gaugedFrom(
    r,
    'tandem_cam_disk_used_ratio',
    'Used fraction (0–1) of each monitored file system, by what it holds',
    () => s().disks.map((d) => [{ disk: d.what }, d.usedPercent / 100] as const),
    ['disk'],
  );
  // Delivery to the OSS (the active node only).
  gaugedFrom(
    r,
    'tandem_cam_feed_backlog_records',
    'IPDR records placed but not yet confirmed by the OSS collector (TCP feed), by series',
    () =>
      (s().delivery?.feed ?? []).flatMap((f) =>
        f.backlogRecords === null ? [] : [[{ series: f.series }, f.backlogRecords] as const],
      ),
    ['series'],
  );
  countedFrom(
    r,
    'tandem_cam_feed_records_sent_total',
    'IPDR records written to the OSS collector by this process, by series',
    () => (s().delivery?.feed ?? []).map((f) => [{ series: f.series }, f.recordsSent] as const),
    ['series'],
  );
  gaugedFrom(
    r,
    'tandem_cam_ftp_backlog_files',
    'Closed IPDR files not yet pushed to the FTP server',
    () => s().delivery?.ftp?.backlogFiles ?? 0,
  );
  countedFrom(
    r,
    'tandem_cam_ftp_files_delivered_total',
    'Closed IPDR files pushed to the FTP server by this process',
    () => s().delivery?.ftp?.deliveredFiles ?? 0,
  );
}
