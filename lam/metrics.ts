/**
 * The LAM's operational measurements as Prometheus metrics (`GET /metrics` on its local API; every
 * name is in docs/metrics.md). Ack latency is observed as acks arrive (LamObserver); counters and
 * gauges are read from the agent's status at every scrape, so `/status` and `/metrics` agree.
 */
import { Histogram } from 'prom-client';
import type { Series } from '../kernel/block.js';
import {
  commonMetrics,
  countedFrom,
  gaugedFrom,
  LATENCY_BUCKETS,
  processRegistry,
  type Registry,
  scrapeSnapshot,
} from '../kernel/metrics.js';
import type { LamStatus } from './agent.js';

export interface LamObserver {
  /** The CAM acked a block `seconds` after this LAM sent it on `stream`. */
  blockAcked(stream: Series, seconds: number): void;
}

export interface LamMetricsSource {
  status(): LamStatus;
}

export class LamMetrics implements LamObserver {
  readonly registry: Registry;
  private readonly ack: Histogram<'stream'>;

  constructor(lamId: string, version: string, source: LamMetricsSource) {
    const r = processRegistry({ lam: lamId });
    this.registry = r;
    this.ack = new Histogram({
      name: 'tandem_lam_ack_latency_seconds',
      help: 'Time from a block sent to the CAM to its ack, by stream',
      labelNames: ['stream'],
      buckets: LATENCY_BUCKETS,
      registers: [r],
    });
    scrapeTimeMetrics(r, version, source);
  }

  blockAcked(stream: Series, seconds: number): void {
    this.ack.observe({ stream }, seconds);
  }
}

function scrapeTimeMetrics(r: Registry, version: string, source: LamMetricsSource): void {
  const s = scrapeSnapshot(() => source.status());
  const c = () => s().counters;
  const byStream = (primary: number, recovery: number) =>
    [
      [{ stream: 'primary' }, primary],
      [{ stream: 'recovery' }, recovery],
    ] as const;

  commonMetrics(r, 'tandem_lam', version, s);
  countedFrom(
    r,
    'tandem_lam_rus_submitted_total',
    'RUs accepted from the SIP application',
    () => c().rusSubmitted,
  );
  countedFrom(
    r,
    'tandem_lam_rus_durable_total',
    'RUs submitted with durable=true (answered once in the spool)',
    () => c().rusDurable,
  );
  countedFrom(
    r,
    'tandem_lam_rus_rejected_total',
    'RUs refused at submission (invalid; the caller was told why)',
    () => c().rusRejected,
  );
  countedFrom(
    r,
    'tandem_lam_api_unauthenticated_total',
    'Local API requests refused for a missing or wrong token (TCP listener)',
    () => c().apiUnauthenticated,
  );
  countedFrom(
    r,
    'tandem_lam_rus_acked_total',
    'RUs in blocks the CAM acknowledged (each block once)',
    () => c().rusAcked,
  );
  countedFrom(
    r,
    'tandem_lam_rus_discarded_total',
    'RUs discarded because the spool was full (an alarm is raised)',
    () => c().rusDiscarded,
  );
  countedFrom(
    r,
    'tandem_lam_blocks_closed_total',
    'Blocks closed (by size or by time)',
    () => c().blocksClosed,
  );
  countedFrom(r, 'tandem_lam_blocks_spooled_total', 'Blocks written to the spool', () => c().blocksSpooled);
  countedFrom(
    r,
    'tandem_lam_blocks_sent_total',
    'Blocks sent to the CAM, by stream (recovery: drained from the spool)',
    () => byStream(c().blocksSentPrimary, c().blocksSentRecovery),
    ['stream'],
  );
  countedFrom(
    r,
    'tandem_lam_blocks_acked_total',
    'Blocks the CAM acknowledged, by stream',
    () => byStream(c().blocksAckedPrimary, c().blocksAckedRecovery),
    ['stream'],
  );
  countedFrom(
    r,
    'tandem_lam_blocks_rejected_total',
    'Blocks the CAM refused for good (kept in quarantine/)',
    () => c().blocksRejectedByCam,
  );
  countedFrom(
    r,
    'tandem_lam_sequence_moves_total',
    "Times numbering moved past the CAM's highest stored block (reset state or shared id)",
    () => c().sequenceMoves,
  );
  countedFrom(
    r,
    'tandem_lam_stream_stalls_total',
    'Streams given up because the CAM stayed silent (no Welcome, or no Ack with blocks in flight), by stream',
    () => byStream(s().primary.stalls, s().recovery.stalls),
    ['stream'],
  );
  countedFrom(
    r,
    'tandem_lam_stream_new_connections_total',
    'Connections to the CAM given up and opened anew (a silent stream, or no Welcome across failed calls), by stream',
    () => byStream(s().primary.newConnections, s().recovery.newConnections),
    ['stream'],
  );
  gaugedFrom(r, 'tandem_lam_queued_rus', 'RUs accepted but not yet in a spooled block', () => c().queuedRus);
  gaugedFrom(
    r,
    'tandem_lam_stream_connected',
    '1 while the stream to the CAM is open, by stream',
    () => byStream(s().primary.connected ? 1 : 0, s().recovery.connected ? 1 : 0),
    ['stream'],
  );
  gaugedFrom(
    r,
    'tandem_lam_blocks_in_flight',
    'Blocks sent and not yet acknowledged, by stream',
    () => byStream(s().primary.pending, s().recovery.pending),
    ['stream'],
  );
  gaugedFrom(
    r,
    'tandem_lam_spool_unacked_blocks',
    'Spooled blocks the CAM has not acknowledged (the backlog)',
    () => s().spool.unackedBlocks,
  );
  gaugedFrom(r, 'tandem_lam_spool_bytes', 'Bytes in spool files', () => s().spool.bytes);
  gaugedFrom(r, 'tandem_lam_spool_files', 'Spool files', () => s().spool.files);
  gaugedFrom(
    r,
    'tandem_lam_spool_disk_used_ratio',
    "Used fraction (0–1) of the spool's file system",
    () => s().spool.diskUsedPercent / 100,
  );
}
