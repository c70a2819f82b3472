/**
 * Hostile DTP clients: many concurrent streams on a few channels, each a seeded mix of random bytes,
 * mutated Hellos and Blocks, frames in the wrong order, huge fields, window floods and abrupt
 * cancels; and raw TCP garbage at the same port (not HTTP/2 at all, a preface then noise, a
 * connection that says nothing). Every stream's outcome is classified; anything the CAM answers
 * that is not a known refusal is kept as a finding.
 */
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { syntheticBlockRus } from '../../../lam/synthetic.js';
import {
  type CamFrame,
  dataTransportClientConstructor,
  type LamFrame,
  ruToWire,
} from '../../../proto/dtp.js';
import { between, noise, pick, type Random } from './prng.js';

/** Refusals a CAM may answer hostile frames with (docs/protocol.md); anything else is a finding. */
export const KNOWN_REFUSALS = new Set([
  'ERROR_CODE_MALFORMED_FRAME',
  'ERROR_CODE_PROTOCOL_VIOLATION',
  'ERROR_CODE_UNSUPPORTED_VERSION',
  'ERROR_CODE_STREAM_MISMATCH',
  'ERROR_CODE_INVALID_BLOCK',
  'ERROR_CODE_OVERSIZED_BLOCK',
  'ERROR_CODE_WINDOW_EXCEEDED',
  'ERROR_CODE_SEQUENCE_CONFLICT',
  'ERROR_CODE_NOT_ACCEPTING',
]);

export interface DtpFuzzOptions {
  target: string;
  /** Hostile frames to write (the valid ones that lead up to them are not counted). */
  frames: number;
  /** Streams open at once, spread over `channels` HTTP/2 connections. */
  concurrency: number;
  channels: number;
  /** Raw TCP connections with garbage. */
  rawConnections: number;
  /** LAM ids of the hostile streams start with this (their valid blocks are stored). */
  lamPrefix: string;
}

export interface DtpFuzzReport {
  streams: number;
  /** Every frame written, and those of them that were hostile (the first hostile one of a stream,
   * and all after it: a careless client keeps writing; the CAM has closed the stream by then). */
  framesWritten: number;
  hostileFrames: number;
  byKind: Record<string, number>;
  /** Error codes the CAM answered with, and how often. */
  refusals: Record<string, number>;
  acks: number;
  /** gRPC statuses the streams ended with. */
  statuses: Record<string, number>;
  rawConnections: number;
  /** What must not happen: an unknown or INTERNAL error code, a refusal without a message. */
  findings: string[];
}

type Kind =
  | 'random-bytes'
  | 'mutated-hello'
  | 'mutated-block'
  | 'block-before-hello'
  | 'second-hello'
  | 'huge-field'
  | 'bad-seq'
  | 'other-lam'
  | 'empty-frame'
  | 'window-flood';

const KINDS: readonly Kind[] = [
  'random-bytes',
  'mutated-hello',
  'mutated-block',
  'block-before-hello',
  'second-hello',
  'huge-field',
  'bad-seq',
  'other-lam',
  'empty-frame',
  'window-flood',
];

const transfer = () => dataTransportClientConstructor().service.Transfer!;
const encode = (f: LamFrame): Buffer => transfer().requestSerialize(f) as Buffer;

const hello = (lamId: string, stream = 'STREAM_KIND_PRIMARY'): LamFrame =>
  ({
    frame: 'hello',
    hello: { protocol_version: 1, lam_id: lamId, software_version: 'hostile', stream },
  }) as LamFrame;
/** RUs numbered from `ruSeq` (a sane number even when `seq` is not). */
const block = (lamId: string, seq: number, rus = 2, ruSeq = seq): LamFrame => ({
  frame: 'block',
  block: {
    lam_id: lamId,
    block_seq: seq,
    created_at_ms: 1,
    rus: syntheticBlockRus(lamId, ruSeq, rus).map(ruToWire),
  },
});

function mutate(random: Random, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const flips = between(random, 1, 8);
  for (let i = 0; i < flips; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
  if (random() < 0.2) return out.subarray(0, Math.floor(random() * out.length)); // truncated too
  return out;
}

/** The CAM's default window (cam.window): the first 64 blocks of a flood are still valid. */
const WINDOW = 64;

interface StreamPlan {
  kind: Kind;
  frames: (LamFrame | Buffer)[];
  /** Index of the first hostile frame. */
  hostileFrom: number;
}

/** The frames of one hostile stream: valid ones leading up to the hostile one, then more. */
function streamPlan(random: Random, lamId: string): StreamPlan {
  const kind = pick(random, KINDS);
  const lead: (LamFrame | Buffer)[] = [hello(lamId)];
  const valid = between(random, 0, 3);
  for (let s = 1; s <= valid; s++) lead.push(block(lamId, s));
  const next = valid + 1;
  let hostile: (LamFrame | Buffer)[];
  switch (kind) {
    case 'random-bytes':
      hostile = [noise(random, between(random, 1, 512))];
      break;
    case 'mutated-hello':
      return { kind, frames: [mutate(random, encode(hello(lamId))), block(lamId, 1)], hostileFrom: 0 };
    case 'mutated-block':
      hostile = [mutate(random, encode(block(lamId, next, 3)))];
      break;
    case 'block-before-hello':
      return { kind, frames: [block(lamId, 1), hello(lamId)], hostileFrom: 0 };
    case 'second-hello':
      hostile = [hello(lamId)];
      break;
    case 'huge-field': {
      const big = 'x'.repeat(between(random, 3_000, 400_000));
      hostile = [
        pick(random, [
          hello(big),
          {
            frame: 'block',
            block: { lam_id: lamId, block_seq: next, created_at_ms: 1, rus: [{ uID: big }] },
          },
          { frame: 'block', block: { lam_id: big, block_seq: next, created_at_ms: 1, rus: [] } },
        ] as LamFrame[]),
      ];
      break;
    }
    case 'bad-seq':
      hostile = [
        block(
          lamId,
          pick(random, [0, -1, 2 ** 53, 4_294_967_296, next + 1_000_000, Number.MAX_SAFE_INTEGER]),
          2,
          next,
        ),
      ];
      break;
    case 'other-lam':
      hostile = [block(`${lamId}x`, next)];
      break;
    case 'empty-frame':
      hostile = [Buffer.alloc(0)];
      break;
    case 'window-flood':
      hostile = Array.from({ length: between(random, 65, 140) }, (_, i) => block(lamId, next + i, 1));
      break;
  }
  // Frames after the hostile one: a careless client keeps writing.
  const trailer = Array.from({ length: between(random, 0, 12) }, (_, i) => block(lamId, next + 200 + i));
  const hostileFrom = lead.length + (kind === 'window-flood' ? WINDOW : 0);
  return { kind, frames: [...lead, ...hostile, ...trailer], hostileFrom };
}

async function runStream(
  client: grpc.Client,
  random: Random,
  lamId: string,
  report: DtpFuzzReport,
): Promise<void> {
  const plan = streamPlan(random, lamId);
  report.byKind[plan.kind] = (report.byKind[plan.kind] ?? 0) + 1;
  const def = transfer();
  const call = client.makeBidiStreamRequest(
    def.path,
    (m: LamFrame | Buffer) => (Buffer.isBuffer(m) ? m : def.requestSerialize(m)),
    (b: Buffer) => def.responseDeserialize(b) as CamFrame,
  );
  let ended = false;
  const done = new Promise<void>((resolve) => {
    // Abrupt cancels at a random point, or at the latest after 5 s of a CAM that does not close.
    const timer = setTimeout(() => call.cancel(), random() < 0.3 ? between(random, 0, 40) : 5_000);
    call.on('data', (f: CamFrame) => {
      if (f.frame === 'ack') report.acks++;
      if (f.frame === 'error') {
        const code = f.error.code;
        report.refusals[code] = (report.refusals[code] ?? 0) + 1;
        if (!KNOWN_REFUSALS.has(code))
          report.findings.push(`${plan.kind}: ${code} ${JSON.stringify(f.error.message).slice(0, 300)}`);
        else if ((f.error.message ?? '').length < 10)
          report.findings.push(`${plan.kind}: ${code} without a message that says why`);
      }
    });
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => {
      ended = true;
      clearTimeout(timer);
      const name = grpc.status[s.code] ?? String(s.code);
      report.statuses[name] = (report.statuses[name] ?? 0) + 1;
      resolve();
    });
  });
  plan.frames.forEach((f, i) => {
    if (ended) return;
    call.write(f);
    report.framesWritten++;
    if (i >= plan.hostileFrom) report.hostileFrames++;
  });
  if (!ended && random() < 0.5) call.end();
  await done;
}

/** Garbage at the DTP port below gRPC: each connection is closed by the CAM or after 2 s. */
function rawConnection(host: string, port: number, random: Random): Promise<void> {
  const payloads = [
    () => noise(random, between(random, 1, 4096)),
    () => Buffer.from('GET / HTTP/1.1\r\nHost: cam\r\n\r\n'),
    () =>
      Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
        noise(random, between(random, 1, 256)),
      ]),
    () => Buffer.alloc(0), // connects, says nothing
  ];
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const timer = setTimeout(() => socket.destroy(), 2_000);
    socket.on('connect', () => socket.write(pick(random, payloads)()));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function fuzzDtp(o: DtpFuzzOptions, random: Random): Promise<DtpFuzzReport> {
  const report: DtpFuzzReport = {
    streams: 0,
    framesWritten: 0,
    hostileFrames: 0,
    byKind: {},
    refusals: {},
    acks: 0,
    statuses: {},
    rawConnections: 0,
    findings: [],
  };
  const Client = dataTransportClientConstructor();
  const clients = Array.from(
    { length: o.channels },
    () =>
      new Client(o.target, grpc.credentials.createInsecure(), {
        'grpc.max_send_message_length': 64 * 1024 * 1024,
        'grpc.use_local_subchannel_pool': 1,
      }),
  );
  const [host, port] = [o.target.slice(0, o.target.lastIndexOf(':')), Number(o.target.split(':').pop())];
  let rawLeft = o.rawConnections;
  try {
    await Promise.all(
      Array.from({ length: o.concurrency }, async (_, worker) => {
        while (report.hostileFrames < o.frames) {
          if (rawLeft > 0 && random() < 0.02) {
            rawLeft--;
            report.rawConnections++;
            await rawConnection(host, port, random);
            continue;
          }
          const n = report.streams++;
          await runStream(clients[worker % clients.length]!, random, `${o.lamPrefix}${n}`, report);
        }
      }),
    );
    // The rest of the raw connections, as many at once as streams were.
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (rawLeft-- > 0) {
          report.rawConnections++;
          await rawConnection(host, port, random);
        }
      }),
    );
  } finally {
    for (const c of clients) c.close();
  }
  return report;
}
