/**
 * Loading dtp.proto and converting between its wire objects and the canonical RU model.
 * The wire types are derived from the types generated from dtp.proto (proto/gen/, by
 * ops/proto-types.sh), as decoded by @grpc/proto-loader with LOADER_OPTIONS.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type FrameScan, scanLamFrame } from './frame-scan.js';
import type { Ack__Output } from './gen/tandem/dtp/v1/Ack.js';
import type { AckStatus__Output } from './gen/tandem/dtp/v1/AckStatus.js';
import type { Block__Output } from './gen/tandem/dtp/v1/Block.js';
import type { Error__Output } from './gen/tandem/dtp/v1/Error.js';
import type { ErrorCode__Output } from './gen/tandem/dtp/v1/ErrorCode.js';
import type { Hello__Output } from './gen/tandem/dtp/v1/Hello.js';
import type { StreamKind__Output } from './gen/tandem/dtp/v1/StreamKind.js';
import type { Welcome__Output } from './gen/tandem/dtp/v1/Welcome.js';
import type { RecordingUnit, RecordType, ServiceType } from './ru.js';

export const DTP_PROTOCOL_VERSION = 1;

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true, // field names are the IPDR tags (uID, appSrvID, …)
  longs: Number, // block sequences stay below 2^53
  enums: String,
  defaults: false, // absent optional fields stay absent
  arrays: false,
  oneofs: true,
};

/** proto/dtp.proto, found from both the sources and the compiled dist/ tree. */
export function protoPath(name = 'dtp.proto'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'proto', name);
    if (existsSync(candidate)) return candidate;
    const here = join(dir, name);
    if (existsSync(here)) return here;
    dir = dirname(dir);
  }
  throw new Error(`cannot find proto/${name}`);
}

// The message types are generated from dtp.proto (ops/proto-types.sh → proto/gen/); the Wire* names
// below are what the code handles: as decoded with LOADER_OPTIONS (defaults off, so any field may be
// absent) for what arrives, complete for what the CAM sends.
export type WireStreamKind = StreamKind__Output;
export type WireAckStatus = Exclude<AckStatus__Output, 'ACK_STATUS_UNSPECIFIED'>;
export type ErrorCode = Exclude<ErrorCode__Output, 'ERROR_CODE_UNSPECIFIED'>;

export type WireHello = Partial<Hello__Output>;
export type WireBlock = Partial<Omit<Block__Output, 'rus'>> & { rus?: WireRecordingUnit[] };
export type WireWelcome = Omit<Welcome__Output, 'highest_stored_seq'> & { highest_stored_seq?: number };
export type WireAck = Omit<Ack__Output, 'status'> & { status: WireAckStatus };
export type WireError = Omit<Partial<Error__Output>, 'code' | 'message'> & {
  code: ErrorCode;
  message: string;
};

/** What the CAM's deserializer yields for a frame it could not decode or will not decode. */
export interface UndecodableFrame {
  undecodable: 'malformed' | 'oversized';
  detail: string;
  bytes: number;
  /** For an oversized block: its sequence number, so the LAM can set that block aside. */
  blockSeq?: number;
}

export type DecodedLamFrame =
  | { frame: 'hello'; hello: WireHello }
  | { frame: 'block'; block: WireBlock }
  | { frame?: undefined };
export type LamFrame = DecodedLamFrame | UndecodableFrame;
export type CamFrame =
  | { frame: 'welcome'; welcome: WireWelcome }
  | { frame: 'ack'; ack: WireAck }
  | { frame: 'error'; error: WireError };

// ---- RU conversion -------------------------------------------------------------------------

const RECORD_TYPE_WIRE: Record<RecordType, string> = {
  ConnectIngress: 'RECORD_TYPE_CONNECT_INGRESS',
  ConnectEgress: 'RECORD_TYPE_CONNECT_EGRESS',
  LongCallIngress: 'RECORD_TYPE_LONG_CALL_INGRESS',
  LongCallEgress: 'RECORD_TYPE_LONG_CALL_EGRESS',
  SDP: 'RECORD_TYPE_SDP',
  REFER: 'RECORD_TYPE_REFER',
  DisconnectIngress: 'RECORD_TYPE_DISCONNECT_INGRESS',
  DisconnectEgress: 'RECORD_TYPE_DISCONNECT_EGRESS',
};
const SERVICE_TYPE_WIRE: Record<ServiceType, string> = {
  SDP: 'SERVICE_TYPE_SDP',
  SimRing: 'SERVICE_TYPE_SIM_RING',
  Authentication: 'SERVICE_TYPE_AUTHENTICATION',
  SeqRing: 'SERVICE_TYPE_SEQ_RING',
  Redirection: 'SERVICE_TYPE_REDIRECTION',
  REFER: 'SERVICE_TYPE_REFER',
};
const invert = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [v, k]));
const RECORD_TYPE_FROM_WIRE = invert(RECORD_TYPE_WIRE);
const SERVICE_TYPE_FROM_WIRE = invert(SERVICE_TYPE_WIRE);

export type WireRecordingUnit = Record<string, unknown>;

/** Wire RU → canonical shape (still unvalidated: pass it to checkRecordingUnit). */
export function ruFromWire(wire: WireRecordingUnit): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wire)) {
    if (k.startsWith('_')) continue; // proto3 `optional` bookkeeping added by the loader
    out[k] = v;
  }
  out.type = RECORD_TYPE_FROM_WIRE[String(wire.type)] ?? wire.type;
  if (Array.isArray(wire.supplementaryService)) {
    out.supplementaryService = wire.supplementaryService.map((s: Record<string, unknown>) => {
      const svc: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) if (!k.startsWith('_')) svc[k] = v;
      svc.servType = SERVICE_TYPE_FROM_WIRE[String(s.servType)] ?? s.servType;
      return svc;
    });
  }
  if (Array.isArray(wire.media)) out.media = wire.media.map(stripBookkeeping);
  if (Array.isArray(out.supplementaryService)) {
    for (const s of out.supplementaryService as Record<string, unknown>[]) {
      if (Array.isArray(s.media)) s.media = s.media.map(stripBookkeeping);
    }
  }
  return out;
}

function stripBookkeeping(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) if (!k.startsWith('_')) out[k] = v;
  return out;
}

/** Canonical RU → wire object for encoding. */
export function ruToWire(ru: RecordingUnit): WireRecordingUnit {
  const wire: WireRecordingUnit = { ...ru, type: RECORD_TYPE_WIRE[ru.type] };
  if (ru.supplementaryService) {
    wire.supplementaryService = ru.supplementaryService.map((s) => ({
      ...s,
      servType: SERVICE_TYPE_WIRE[s.servType],
    }));
  }
  return wire;
}

// ---- gRPC service ----------------------------------------------------------------------------

let cachedPackage: grpc.GrpcObject | undefined;

function dtpPackage(): grpc.GrpcObject {
  if (!cachedPackage) {
    const def = protoLoader.loadSync(protoPath(), LOADER_OPTIONS);
    cachedPackage = grpc.loadPackageDefinition(def);
  }
  return cachedPackage;
}

export function dataTransportClientConstructor(): grpc.ServiceClientConstructor {
  const pkg = dtpPackage() as unknown as {
    tandem: { dtp: { v1: { DataTransport: grpc.ServiceClientConstructor } } };
  };
  return pkg.tandem.dtp.v1.DataTransport;
}

/**
 * The service definition for the CAM, with a deserializer that never throws: a frame that does not
 * decode, or is too large, becomes an UndecodableFrame, so the CAM can answer with a typed Error.
 * Every frame is scanned first (frame-scan.ts): one too large in bytes or in RUs is refused
 * without being decoded, and still names its block.
 */
export function dataTransportServiceForServer(limits: {
  maxFrameBytes: number;
  maxRusPerBlock: number;
}): grpc.ServiceDefinition {
  const service = dataTransportClientConstructor().service;
  const transfer = service.Transfer!;
  const decode = transfer.requestDeserialize;
  return {
    Transfer: {
      ...transfer,
      requestDeserialize: (buf: Buffer): LamFrame => {
        let scan: FrameScan;
        try {
          scan = scanLamFrame(buf);
        } catch (err) {
          return { undecodable: 'malformed', detail: (err as Error).message, bytes: buf.length };
        }
        const oversized = (detail: string): UndecodableFrame => ({
          undecodable: 'oversized',
          detail,
          bytes: buf.length,
          blockSeq: scan.blockSeq,
        });
        if (buf.length > limits.maxFrameBytes)
          return oversized(`frame of ${buf.length} bytes exceeds the limit of ${limits.maxFrameBytes} bytes`);
        if (scan.kind === 'block' && scan.rus > limits.maxRusPerBlock)
          return oversized(
            `block ${scan.blockSeq ?? '?'} has ${scan.rus} RUs; allowed: 1–${limits.maxRusPerBlock}`,
          );
        try {
          return decode(buf) as LamFrame;
        } catch (err) {
          return { undecodable: 'malformed', detail: (err as Error).message, bytes: buf.length };
        }
      },
    },
  };
}
