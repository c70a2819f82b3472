/**
 * Pure checks of DTP frames: a Hello against the port it arrived on, a Block against the session
 * and the limits. Each failure is the Error frame the CAM sends before closing the stream.
 */

import type { BlockRecord, Series } from '../../kernel/block.js';
import {
  DTP_PROTOCOL_VERSION,
  ruFromWire,
  type WireBlock,
  type WireError,
  type WireHello,
} from '../../proto/dtp.js';
import { checkRecordingUnit, type RecordingUnit } from '../../proto/ru.js';

export const LAM_ID = /^[A-Za-z0-9_.-]{1,64}$/;
export const LAM_INSTANCE = /^[A-Za-z0-9_.-]{0,64}$/;
export const MAX_RUS_PER_BLOCK = 20; // Table 3, RUs Per Block (maximum)

export interface Session {
  lamId: string;
  stream: Series;
  softwareVersion: string;
  /** '' from LAMs that send none. */
  lamInstance: string;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

const fail = (
  code: WireError['code'],
  message: string,
  extra: Partial<WireError> = {},
): { ok: false; error: WireError } => ({
  ok: false,
  error: { code, message, ...extra },
});

export function checkHello(hello: WireHello, portStream: Series): Result<Session> {
  if (hello.protocol_version !== DTP_PROTOCOL_VERSION) {
    return fail(
      'ERROR_CODE_UNSUPPORTED_VERSION',
      `protocol_version ${hello.protocol_version ?? '(missing)'} is not supported; this CAM speaks ${DTP_PROTOCOL_VERSION}`,
      { field: 'protocol_version' },
    );
  }
  const lamId = hello.lam_id ?? '';
  if (!LAM_ID.test(lamId)) {
    return fail(
      'ERROR_CODE_PROTOCOL_VIOLATION',
      `lam_id ${JSON.stringify(lamId)} is not valid; allowed: [A-Za-z0-9_.-]{1,64}`,
      {
        field: 'lam_id',
      },
    );
  }
  const lamInstance = hello.lam_instance ?? '';
  if (!LAM_INSTANCE.test(lamInstance)) {
    return fail(
      'ERROR_CODE_PROTOCOL_VIOLATION',
      `lam_instance ${JSON.stringify(lamInstance.slice(0, 80))} is not valid; allowed: [A-Za-z0-9_.-]{0,64}`,
      { field: 'lam_instance' },
    );
  }
  const wanted = portStream === 'primary' ? 'STREAM_KIND_PRIMARY' : 'STREAM_KIND_RECOVERY';
  if (hello.stream !== wanted) {
    return fail(
      'ERROR_CODE_STREAM_MISMATCH',
      `this is the ${portStream} port; Hello.stream must be ${wanted}, got ${hello.stream ?? '(missing)'}`,
      { field: 'stream' },
    );
  }
  return {
    ok: true,
    value: {
      lamId,
      stream: portStream,
      softwareVersion: (hello.software_version ?? '').slice(0, 200),
      lamInstance,
    },
  };
}

export interface BlockLimits {
  maxRusPerBlock: number;
}

export function checkBlock(block: WireBlock, session: Session, limits: BlockLimits): Result<BlockRecord> {
  const seq = block.block_seq;
  if (block.lam_id !== session.lamId) {
    return fail(
      'ERROR_CODE_PROTOCOL_VIOLATION',
      `block lam_id ${JSON.stringify(block.lam_id ?? '')} differs from the Hello's ${JSON.stringify(session.lamId)}`,
      { field: 'lam_id', block_seq: seq ?? 0 },
    );
  }
  if (seq === undefined || !Number.isSafeInteger(seq) || seq < 1) {
    return fail(
      'ERROR_CODE_INVALID_BLOCK',
      `block_seq ${seq ?? '(missing)'} is not valid; allowed: 1 … 2^53-1`,
      {
        field: 'block_seq',
      },
    );
  }
  const wireRus = block.rus ?? [];
  if (wireRus.length === 0) {
    return fail('ERROR_CODE_INVALID_BLOCK', `block ${seq} has no RUs; allowed: 1–${limits.maxRusPerBlock}`, {
      field: 'rus',
      block_seq: seq,
    });
  }
  if (wireRus.length > limits.maxRusPerBlock) {
    return fail(
      'ERROR_CODE_OVERSIZED_BLOCK',
      `block ${seq} has ${wireRus.length} RUs; allowed: 1–${limits.maxRusPerBlock}`,
      { field: 'rus', block_seq: seq },
    );
  }
  const rus: RecordingUnit[] = [];
  for (let i = 0; i < wireRus.length; i++) {
    const checked = checkRecordingUnit(ruFromWire(wireRus[i]!), `rus[${i}]`);
    if (!checked.ok) {
      return fail(
        'ERROR_CODE_INVALID_BLOCK',
        `block ${seq}: ${checked.problem.field} ${checked.problem.message}`,
        {
          field: checked.problem.field,
          block_seq: seq,
        },
      );
    }
    rus.push(checked.value);
  }
  const createdAtMs = block.created_at_ms ?? 0;
  return {
    ok: true,
    value: {
      lamId: session.lamId,
      blockSeq: seq,
      stream: session.stream,
      createdAtMs: Number.isSafeInteger(createdAtMs) ? createdAtMs : 0,
      ruCount: rus.length,
      payload: JSON.stringify(rus),
      ...(session.lamInstance ? { lamInstance: session.lamInstance } : {}),
    },
  };
}
