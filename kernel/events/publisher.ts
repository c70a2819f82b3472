/**
 * Publishes events to NATS without ever making the caller wait: `emit` puts the event in a bounded
 * buffer (EventBuffer) and returns; the buffer is written to the connection while it is up and held
 * while it is not (oldest dropped and counted when full). The connection is made and remade in the
 * background, forever; a NATS server that is down or slow costs the node nothing but the buffer.
 *
 * Delivery is at most once (NATS core publish): events are notifications for consoles and collectors;
 * the record of what happened is the alarm history (`GET /alarms`), the role history and the logs.
 * With `jetstream`, a stream keeps them so that a subscriber that was down catches up.
 */
import { createHash } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { AlarmEvent, AlarmListener } from '../alarms.js';
import { type EventsConfig, natsServers } from './config.js';
import {
  type EventData,
  type EventName,
  type EventSource,
  makeEvent,
  subjectOf,
  type TandemEvent,
} from './event.js';
import { EventBuffer } from './event-buffer.js';

const RETRY_MS = 1000;

export interface EventsStatus {
  enabled: boolean;
  connected: boolean;
  server: string | null;
  published: number;
  dropped: number;
  buffered: number;
  lastError: string;
}

export class EventPublisher implements AlarmListener {
  private readonly buffer: EventBuffer<TandemEvent>;
  private readonly servers: string[];
  private nc: NatsConnection | undefined;
  private connected = false;
  /** Bumped at each disconnect: a connect that finishes after a newer disconnect is stale. */
  private disconnects = 0;
  private closing = false;
  private published = 0;
  private lastError = '';

  constructor(
    private readonly cfg: EventsConfig,
    private readonly source: EventSource,
    private readonly log: Logger,
  ) {
    this.servers = natsServers(cfg);
    this.buffer = new EventBuffer(cfg.bufferEvents);
  }

  get enabled(): boolean {
    return this.servers.length > 0;
  }

  /** Starts connecting in the background; returns at once. */
  start(): void {
    if (!this.enabled) return;
    void this.connectForever();
  }

  emit<N extends EventName>(name: N, data: EventData<N>): void {
    if (!this.enabled || this.closing) return;
    this.buffer.push(makeEvent(this.source, name, data));
    this.flush();
  }

  alarmChanged(e: AlarmEvent): void {
    const { name, severity, reason, raisedAt, raiseCount } = e.alarm;
    this.emit(`alarm.${e.kind}`, { name, severity, reason, raisedAt, raiseCount });
  }

  status(): EventsStatus {
    return {
      enabled: this.enabled,
      connected: this.connected,
      server: this.connected ? (this.nc?.getServer() ?? null) : null,
      published: this.published,
      dropped: this.buffer.dropped,
      buffered: this.buffer.size,
      lastError: this.lastError,
    };
  }

  /** Writes what is buffered (up to a deadline), then closes the connection. */
  async close(deadlineMs = 2000): Promise<void> {
    this.closing = true;
    const nc = this.nc;
    if (!nc) return;
    this.flush();
    await Promise.race([
      nc.flush().catch(() => undefined),
      new Promise((r) => setTimeout(r, deadlineMs).unref()),
    ]);
    await nc.close().catch(() => undefined);
    this.connected = false;
  }

  private flush(): void {
    const nc = this.nc;
    if (!nc || !this.connected) return;
    for (let e = this.buffer.peek(); e !== undefined; e = this.buffer.peek()) {
      try {
        nc.publish(subjectOf(this.cfg.subjectPrefix, e), JSON.stringify(e));
      } catch (err) {
        this.lastError = (err as Error).message;
        return; // kept: written when the connection is back
      }
      this.buffer.shift();
      this.published++;
    }
  }

  private async connectForever(): Promise<void> {
    // Until the first connection, we retry ourselves (so `close` can stop a server that never came);
    // after it, the client reconnects on its own, forever.
    let nc: NatsConnection | undefined;
    for (let attempt = 1; !nc && !this.closing; attempt++) {
      try {
        nc = await connect({
          servers: this.servers,
          name: `tandem-${this.source.component}-${this.source.id}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: RETRY_MS,
          timeout: 2000,
        });
      } catch (err) {
        this.lastError = (err as Error).message;
        if (attempt === 1)
          this.log.warn(
            { err: this.lastError, servers: this.servers },
            'events: NATS unreachable; buffering, retrying every second',
          );
        await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      }
    }
    if (!nc) return;
    if (this.closing) {
      await nc.close().catch(() => undefined);
      return;
    }
    this.nc = nc;
    void this.onConnected();
    try {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.connected = false;
          this.disconnects++;
          this.log.warn({ server: s.server }, 'events: NATS connection lost; buffering');
        } else if (s.type === 'reconnect') {
          void this.onConnected();
        } else if (s.type === 'error') {
          this.lastError = String(s.error);
        }
      }
    } catch (err) {
      this.lastError = (err as Error).message;
    }
    this.connected = false;
  }

  private async onConnected(): Promise<void> {
    // The stream first, so that it keeps the events buffered while we were away too.
    const generation = this.disconnects;
    if (this.cfg.jetstream) await this.ensureStream();
    if (generation !== this.disconnects) return;
    this.connected = true;
    this.log.info({ server: this.nc?.getServer(), buffered: this.buffer.size }, 'events: connected to NATS');
    this.flush();
  }

  /** The JetStream stream that keeps `<prefix>.>`; created or updated, never deleted. */
  private async ensureStream(): Promise<void> {
    const nc = this.nc;
    if (!nc) return;
    const config = {
      name: this.cfg.jetstreamStream,
      subjects: [`${this.cfg.subjectPrefix}.>`],
      max_age: nanos(this.cfg.jetstreamMaxAgeS * 1000),
    };
    try {
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(config.name);
        await jsm.streams.update(config.name, { subjects: config.subjects, max_age: config.max_age });
      } catch {
        await jsm.streams.add(config);
      }
    } catch (err) {
      this.lastError = `JetStream stream ${config.name}: ${(err as Error).message}`;
      this.log.warn({ err: this.lastError }, 'events: cannot set up the JetStream stream');
    }
  }
}

/** sha256 of a configuration with every password, secret and token left out. */
export function configDigest(config: unknown): string {
  const json = JSON.stringify(config, (k, v) => (/password|secret|token/i.test(k) ? undefined : v));
  return createHash('sha256').update(json).digest('hex');
}
