/**
 * The TCP feed to the OSS (docs/oss.md), pure: frames the CAM writes and the lines a collector may
 * answer with. ASCII header lines end in "\n"; a record's XML follows its header as exactly
 * `length` bytes plus "\n".
 *
 *   CAM → collector   TANDEM-FEED/1 series=<primary|recovery> node=<id> next=<seq>
 *                     R <seq> <length>            then <length> bytes of IPDR XML and "\n"
 *                     HB <last-seq-sent>          when idle (liveness)
 *   collector → CAM   RESUME <seq>                optional, first line: the next record it wants
 *                     ACK <seq>                   optional, cumulative: every record ≤ seq is stored
 */

import type { Series } from '../../kernel/block.js';

export const FEED_MAGIC = 'TANDEM-FEED/1';
const MAX_LINE = 256;

export const encodeHello = (series: Series, node: string, next: number): Buffer =>
  Buffer.from(`${FEED_MAGIC} series=${series} node=${node} next=${next}\n`);

export function encodeRecord(seq: number, xml: string): Buffer {
  const body = Buffer.from(xml);
  return Buffer.concat([Buffer.from(`R ${seq} ${body.length}\n`), body, Buffer.from('\n')]);
}

export const encodeHeartbeat = (lastSent: number): Buffer => Buffer.from(`HB ${lastSent}\n`);
export const encodeResume = (next: number): Buffer => Buffer.from(`RESUME ${next}\n`);
export const encodeAck = (seq: number): Buffer => Buffer.from(`ACK ${seq}\n`);

export type CollectorLine = { kind: 'resume'; next: number } | { kind: 'ack'; seq: number };

const SEQ = /^(0|[1-9]\d{0,15})$/;

function parseSeq(text: string | undefined): number | undefined {
  if (text === undefined || !SEQ.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Splits a byte stream into "\n"-terminated lines; a line longer than MAX_LINE is an error. */
export class LineSplitter {
  private pending = '';

  push(chunk: Buffer | string): string[] {
    this.pending += chunk.toString('latin1');
    const lines = this.pending.split('\n');
    this.pending = lines.pop()!;
    if (this.pending.length > MAX_LINE) throw new FeedProtocolError(`line longer than ${MAX_LINE} bytes`);
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }
}

export class FeedProtocolError extends Error {
  override name = 'FeedProtocolError';
}

/** What the CAM accepts from a collector; anything else is a protocol error naming the line. */
export function parseCollectorLine(line: string): CollectorLine {
  const [word, arg, extra] = line.split(' ');
  const n = parseSeq(arg);
  if (extra === undefined && n !== undefined) {
    if (word === 'RESUME' && n >= 1) return { kind: 'resume', next: n };
    if (word === 'ACK') return { kind: 'ack', seq: n };
  }
  throw new FeedProtocolError(`unexpected line from the collector: ${JSON.stringify(line.slice(0, 80))}`);
}

export type CamFrame =
  | { kind: 'hello'; series: Series; node: string; next: number }
  | { kind: 'record'; seq: number; xml: string }
  | { kind: 'heartbeat'; lastSent: number };

/** Incremental parser for what the CAM sends (used by collectors). */
export class CamFrameParser {
  private buf: Buffer = Buffer.alloc(0);
  private body: { seq: number; length: number } | undefined;

  push(chunk: Buffer): CamFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: CamFrame[] = [];
    for (;;) {
      if (this.body) {
        const need = this.body.length + 1;
        if (this.buf.length < need) break;
        if (this.buf[this.body.length] !== 0x0a)
          throw new FeedProtocolError(`record ${this.body.seq}: payload not followed by a newline`);
        frames.push({
          kind: 'record',
          seq: this.body.seq,
          xml: this.buf.subarray(0, this.body.length).toString(),
        });
        this.buf = this.buf.subarray(need);
        this.body = undefined;
        continue;
      }
      const eol = this.buf.indexOf(0x0a);
      if (eol < 0) {
        if (this.buf.length > MAX_LINE) throw new FeedProtocolError(`header longer than ${MAX_LINE} bytes`);
        break;
      }
      const line = this.buf.subarray(0, eol).toString('latin1');
      this.buf = this.buf.subarray(eol + 1);
      const frame = parseCamHeader(line);
      if (frame.kind === 'record-header') this.body = { seq: frame.seq, length: frame.length };
      else frames.push(frame);
    }
    return frames;
  }
}

function parseCamHeader(
  line: string,
): Exclude<CamFrame, { kind: 'record' }> | { kind: 'record-header'; seq: number; length: number } {
  const parts = line.split(' ');
  if (parts[0] === FEED_MAGIC && parts.length === 4) {
    const fields = Object.fromEntries(parts.slice(1).map((p) => p.split('=') as [string, string]));
    const next = parseSeq(fields.next);
    if ((fields.series === 'primary' || fields.series === 'recovery') && fields.node && next !== undefined)
      return { kind: 'hello', series: fields.series, node: fields.node, next };
  }
  if (parts[0] === 'R' && parts.length === 3) {
    const seq = parseSeq(parts[1]);
    const length = parseSeq(parts[2]);
    if (seq !== undefined && length !== undefined && length <= 16 * 1024 * 1024)
      return { kind: 'record-header', seq, length };
  }
  if (parts[0] === 'HB' && parts.length === 2) {
    const lastSent = parseSeq(parts[1]);
    if (lastSent !== undefined) return { kind: 'heartbeat', lastSent };
  }
  throw new FeedProtocolError(`unexpected header from the CAM: ${JSON.stringify(line.slice(0, 80))}`);
}

/**
 * Where a (re)connected feed starts: what the collector asked for, else one past what it confirmed,
 * else — a collector that never confirms — a little before what was last written (at-least-once;
 * the collector drops duplicates by sequence number).
 */
export function resumePoint(p: {
  requested?: number;
  confirmed: number;
  written: number;
  replayRecords: number;
}): number {
  if (p.requested !== undefined) return p.requested;
  if (p.confirmed > 0) return p.confirmed + 1;
  return Math.max(1, p.written + 1 - p.replayRecords);
}
