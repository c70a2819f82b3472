/**
 * OSS delivery on one node: FTP push and the TCP feed (one channel per series), run by the node that
 * is active; status and the OssFtpPushFailure / OssTcpFeedFailure alarms.
 */
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../../kernel/alarms.js';
import type { Series } from '../../kernel/block.js';
import { SERIES } from '../../kernel/block.js';
import type { NodeConfig } from '../config/schema.js';
import type { NodeObserver } from '../metrics/observer.js';
import type { Database } from '../replication/database.js';
import { alarmDue, type ChannelHealth } from './backoff.js';
import { DeliveryStore } from './delivery-store.js';
import { FtpPusher } from './ftp-push.js';
import { FeedChannel } from './tcp-feed.js';

export const ALARM_FTP_FAILURE = 'OssFtpPushFailure';
export const ALARM_FEED_FAILURE = 'OssTcpFeedFailure';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const healthStatus = (h: ChannelHealth) => ({
  lastSuccessAt: iso(h.lastSuccessAtMs),
  lastError: h.lastError,
  failingSince: iso(h.failingSinceMs),
});

export interface DeliveryDeps {
  config: NodeConfig;
  db: Database;
  /** Closed IPDR files of a series up to this number are on this node's disk (the renderer). */
  rendered: { closedThrough(series: Series): number };
  /** The node: it delivers only while it is active. */
  node: { isActive(): boolean };
  alarms: AlarmRegistry;
  observer?: Pick<NodeObserver, 'feedWritten'>;
  log: Logger;
}

export class Delivery {
  private readonly ftp: FtpPusher | undefined;
  private readonly feeds: FeedChannel[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private active = false;

  private readonly config: NodeConfig;
  private readonly alarms: AlarmRegistry;
  private readonly log: Logger;

  constructor(private readonly d: DeliveryDeps) {
    const { config, alarms, log } = d;
    this.config = config;
    this.alarms = alarms;
    this.log = log;
    const store = new DeliveryStore(d.db);
    const renderedThrough = (series: Series) => d.rendered.closedThrough(series);
    const { cam, delivery, node } = config;
    if (cam.ftpPushEnabled)
      this.ftp = new FtpPusher({
        nodeId: node.id,
        cam,
        delivery,
        store,
        renderedThrough,
        log: log.child({ channel: 'ftp' }),
      });
    if (cam.tcpIpEnabled) {
      for (const series of SERIES) {
        this.feeds.push(
          new FeedChannel({
            series,
            host: cam.tcpIpAddress,
            port: series === 'primary' ? cam.tcpIpPrimaryHostPort : cam.tcpIpRecoveryHostPort,
            nodeId: node.id,
            delivery,
            store,
            observer: d.observer,
            log: log.child({ channel: 'feed', series }),
          }),
        );
      }
    }
  }

  get enabled(): boolean {
    return this.ftp !== undefined || this.feeds.length > 0;
  }

  start(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.round(), this.config.delivery.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const f of this.feeds) await f.stop();
    this.ftp?.stop();
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }

  /** Called when the node stops being active: streams close at once, uploads stop before the next file. */
  deactivate(): void {
    this.active = false;
    for (const f of this.feeds) f.setActive(false);
  }

  private async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.active = this.d.node.isActive();
      for (const f of this.feeds) f.setActive(this.active);
      if (this.ftp) {
        await this.ftp.round(this.active).catch((err) => {
          this.log.warn({ err: (err as Error).message }, 'FTP delivery round failed');
        });
      }
      for (const f of this.feeds) await f.refreshBacklog().catch(() => undefined);
      this.updateAlarms();
    } finally {
      this.running = false;
    }
  }

  private updateAlarms(): void {
    const now = Date.now();
    const after = this.config.delivery.failureAlarmAfterMs;
    if (this.ftp) {
      const h = this.ftp.health;
      if (this.active && alarmDue(h, now, after))
        this.alarms.raise(
          ALARM_FTP_FAILURE,
          'major',
          `FTP push to ${this.ftp.target} failing since ${iso(h.failingSinceMs)}: ${h.lastError}`,
        );
      else if (h.failingSinceMs === null || !this.active)
        this.alarms.clear(ALARM_FTP_FAILURE, 'FTP push works again');
    }
    const failing = this.feeds.filter((f) => this.active && alarmDue(f.health, now, after));
    if (failing.length > 0)
      this.alarms.raise(
        ALARM_FEED_FAILURE,
        'major',
        failing
          .map(
            (f) =>
              `TCP feed to ${f.target} failing since ${iso(f.health.failingSinceMs)}: ${f.health.lastError}`,
          )
          .join('; '),
      );
    else if (this.feeds.every((f) => f.health.failingSinceMs === null || !this.active))
      this.alarms.clear(ALARM_FEED_FAILURE, 'TCP feed works again');
  }

  status() {
    return {
      active: this.active,
      ftp: this.ftp
        ? {
            target: this.ftp.target,
            backlogFiles: this.ftp.backlogFiles,
            deliveredFiles: this.ftp.deliveredFiles,
            nextAttemptAt: iso(this.ftp.nextAttemptAt),
            ...healthStatus(this.ftp.health),
          }
        : null,
      feed:
        this.feeds.length > 0
          ? this.feeds.map((f) => ({
              series: f.series,
              target: f.target,
              connected: f.connected,
              writtenThrough: f.written,
              confirmedThrough: f.confirmed,
              recordsSent: f.recordsSent,
              backlogRecords: f.backlogRecords,
              ...healthStatus(f.health),
            }))
          : null,
    };
  }
}
