/**
 * Reads what a LamFrame is about straight from its protobuf wire bytes, without decoding it into
 * objects (pure). Decoding a frame of 2 M empty RUs only to learn its block number took the CAM to
 * 1.9 GB and stalled every other LAM's acks; a scan costs no allocation per field: it reads the
 * tags, keeps the block's number and LAM id, counts the RUs and skips every other byte.
 *
 * Field numbers are those of dtp.proto: LamFrame.hello = 1, LamFrame.block = 2;
 * Block.lam_id = 1, Block.block_seq = 2, Block.rus = 4.
 */
import protobuf from 'protobufjs/minimal.js';

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

export interface FrameScan {
  kind: 'hello' | 'block' | 'none';
  /** For a block: its sequence number, when present. */
  blockSeq?: number;
  lamId?: string;
  /** For a block: how many RUs it carries (counted, not decoded). */
  rus: number;
}

/** Throws (protobufjs's RangeError) when the bytes are not a well-formed message. */
export function scanLamFrame(buf: Uint8Array): FrameScan {
  const r = protobuf.Reader.create(buf);
  const scan: FrameScan = { kind: 'none', rus: 0 };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === WIRE_LEN) {
      scan.kind = 'hello';
      r.skipType(wire);
    } else if (field === 2 && wire === WIRE_LEN) {
      scan.kind = 'block';
      const end = r.uint32() + r.pos;
      if (end > r.len) throw new RangeError(`block length runs past the frame (${end} > ${r.len})`);
      scanBlock(r, end, scan);
    } else {
      r.skipType(wire);
    }
  }
  return scan;
}

function scanBlock(r: protobuf.Reader, end: number, scan: FrameScan): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === WIRE_LEN) {
      const len = r.uint32();
      // An id longer than the protocol allows is not worth copying; validation names it later.
      if (len <= 64) scan.lamId = Buffer.from(r.buf.subarray(r.pos, r.pos + len)).toString('utf8');
      r.skip(len);
    } else if (field === 2 && wire === WIRE_VARINT) {
      const v = r.uint64() as unknown as { toNumber?: () => number } | number;
      scan.blockSeq = typeof v === 'number' ? v : (v.toNumber?.() ?? Number(v));
    } else if (field === 4 && wire === WIRE_LEN) {
      scan.rus++;
      r.skipType(wire);
    } else {
      r.skipType(wire);
    }
  }
  if (r.pos !== end) throw new RangeError('a field of the block runs past its end');
}
