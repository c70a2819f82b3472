/**
 * Framing of block logs (the CAM's journal, the LAM's spool): [u32 length][u32 crc32(body)][body], big-endian; the body
 * is one BlockRecord as JSON. Pure functions, so torn and corrupt tails are tested without I/O.
 */
import { crc32 } from 'node:zlib';
import type { BlockRecord } from './block.js';

export const RECORD_HEADER_BYTES = 8;
/** A length above this is treated as corruption, not as a record to allocate for. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export function encodeBlock(block: BlockRecord): Buffer {
  // The payload is already JSON: splice it in rather than escaping it a second time.
  const head = JSON.stringify({
    lamId: block.lamId,
    blockSeq: block.blockSeq,
    stream: block.stream,
    createdAtMs: block.createdAtMs,
    ruCount: block.ruCount,
    ...(block.lamInstance ? { lamInstance: block.lamInstance } : {}),
  });
  const body = Buffer.from(`${head.slice(0, -1)},"payload":${block.payload}}`, 'utf8');
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

export interface DecodedSegment {
  blocks: BlockRecord[];
  /** Bytes of intact records from the start; a writer may truncate to this. */
  validBytes: number;
  /** Why decoding stopped before the end, if it did. */
  problem?: 'torn' | 'corrupt';
}

export function decodeSegment(buf: Buffer): DecodedSegment {
  const blocks: BlockRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < RECORD_HEADER_BYTES) return { blocks, validBytes: offset, problem: 'torn' };
    const length = buf.readUInt32BE(offset);
    const crc = buf.readUInt32BE(offset + 4);
    if (length === 0 || length > MAX_RECORD_BYTES) return { blocks, validBytes: offset, problem: 'corrupt' };
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > buf.length) return { blocks, validBytes: offset, problem: 'torn' };
    const body = buf.subarray(offset + RECORD_HEADER_BYTES, end);
    if (crc32(body) !== crc) return { blocks, validBytes: offset, problem: 'corrupt' };
    let parsed: { payload: unknown } & Omit<BlockRecord, 'payload'>;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { blocks, validBytes: offset, problem: 'corrupt' };
    }
    blocks.push({
      lamId: parsed.lamId,
      blockSeq: parsed.blockSeq,
      stream: parsed.stream,
      createdAtMs: parsed.createdAtMs,
      ruCount: parsed.ruCount,
      payload: JSON.stringify(parsed.payload),
      ...(parsed.lamInstance ? { lamInstance: parsed.lamInstance } : {}),
    });
    offset = end;
  }
  return { blocks, validBytes: offset };
}
