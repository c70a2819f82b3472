/**
 * Sends every alarm change as an RFC 5424 message to one syslog receiver, over UDP (RFC 5426, one
 * datagram per message) or TCP (RFC 6587 octet counting). Never blocks the caller: over TCP the
 * messages wait in a bounded buffer while the receiver is away (oldest dropped and counted) and the
 * connection is remade in the background.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AlarmEvent, AlarmListener } from '../alarms.js';
import { EventBuffer } from '../events/event-buffer.js';
import { type FcapsConfig, splitHostPort } from './config.js';
import { alarmSyslogMessage, octetCounted, type SyslogHeader } from './rfc5424.js';

const RETRY_MS = 1000;

export interface SyslogStatus {
  enabled: boolean;
  target: string | null;
  transport: 'udp' | 'tcp';
  connected: boolean;
  sent: number;
  failed: number;
  dropped: number;
  buffered: number;
  lastError: string;
}

export class SyslogSender implements AlarmListener {
  private readonly header: SyslogHeader;
  private readonly buffer: EventBuffer<string>;
  private udp: UdpSocket | undefined;
  private tcp: Socket | undefined;
  private connected = false;
  private closing = false;
  private retry: NodeJS.Timeout | undefined;
  private sequence = 0;
  private sent = 0;
  private failed = 0;
  private lastError = '';

  constructor(
    private readonly cfg: FcapsConfig,
    private readonly source: string,
    private readonly log: Logger,
  ) {
    this.header = {
      facility: cfg.syslogFacility,
      hostname: hostname(),
      appName: cfg.syslogAppName,
      procId: String(process.pid),
    };
    this.buffer = new EventBuffer(cfg.syslogBufferMessages);
  }

  get enabled(): boolean {
    return this.cfg.syslogTarget !== '';
  }

  start(): void {
    if (!this.enabled) return;
    if (this.cfg.syslogTransport === 'udp') {
      this.udp = createSocket('udp4');
      this.udp.on('error', (err) => this.failure(err));
    } else this.connectTcp();
  }

  alarmChanged(e: AlarmEvent): void {
    if (!this.enabled || this.closing) return;
    const message = alarmSyslogMessage(e, this.source, ++this.sequence, this.header);
    if (this.udp) {
      const { host, port } = splitHostPort(this.cfg.syslogTarget);
      this.udp.send(Buffer.from(message, 'utf8'), port, host, (err) => {
        if (err) this.failure(err);
        else this.sent++;
      });
      return;
    }
    this.buffer.push(message);
    this.flush();
  }

  status(): SyslogStatus {
    return {
      enabled: this.enabled,
      target: this.enabled ? this.cfg.syslogTarget : null,
      transport: this.cfg.syslogTransport,
      connected: this.cfg.syslogTransport === 'udp' ? this.udp !== undefined : this.connected,
      sent: this.sent,
      failed: this.failed,
      dropped: this.buffer.dropped,
      buffered: this.buffer.size,
      lastError: this.lastError,
    };
  }

  /** Writes what the buffer holds (TCP), then closes. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retry);
    this.udp?.close();
    this.udp = undefined;
    const tcp = this.tcp;
    if (tcp) await new Promise<void>((resolve) => tcp.end(resolve));
    this.tcp = undefined;
  }

  private connectTcp(): void {
    if (this.closing) return;
    const { host, port } = splitHostPort(this.cfg.syslogTarget);
    const socket = connect({ host, port });
    this.tcp = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.flush();
    });
    socket.on('error', (err) => this.failure(err));
    socket.on('close', () => {
      this.connected = false;
      if (this.tcp === socket) this.tcp = undefined;
      if (!this.closing) this.retry = setTimeout(() => this.connectTcp(), RETRY_MS);
    });
  }

  private flush(): void {
    const socket = this.tcp;
    if (!socket || !this.connected) return;
    for (let m = this.buffer.shift(); m !== undefined; m = this.buffer.shift()) {
      // A message written to a socket that then breaks is lost, as a datagram would be: the alarm
      // history keeps every change, and the sequence parameter shows the gap.
      socket.write(octetCounted(m));
      this.sent++;
    }
  }

  private failure(err: Error): void {
    this.failed++;
    this.lastError = `${this.cfg.syslogTarget}: ${err.message}`;
    this.log.warn({ target: this.cfg.syslogTarget, err: err.message }, 'syslog message not sent');
  }
}
