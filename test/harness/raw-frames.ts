/** Hand-made DTP wire bytes for hostile tests: frames the regular encoder would never produce. */

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

/** A LamFrame carrying a Block with `emptyRus` empty RecordingUnits (2 bytes each on the wire). */
export function blockOfEmptyRus(lamId: string, blockSeq: number, emptyRus: number): Buffer {
  const id = Buffer.from(lamId, 'utf8');
  const head = Buffer.concat([
    Buffer.from([0x0a]),
    varint(id.length),
    id,
    Buffer.from([0x10]),
    varint(blockSeq),
  ]);
  const rus = Buffer.alloc(emptyRus * 2);
  for (let i = 0; i < emptyRus; i++) rus[i * 2] = 0x22; // field 4, length-delimited, length 0
  const block = Buffer.concat([head, rus]);
  return Buffer.concat([Buffer.from([0x12]), varint(block.length), block]);
}
