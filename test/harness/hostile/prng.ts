/** mulberry32: a small seeded PRNG, so that a failing hostile schedule can be replayed. */
export type Random = () => number;

export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
export const between = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));

/** Random bytes of the given length. */
export function noise(random: Random, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(random() * 256);
  return b;
}

/** A seed from TANDEM_FUZZ_SEED (to replay a run) or the clock. */
export const fuzzSeed = (): number => Number(process.env.TANDEM_FUZZ_SEED ?? Date.now() % 1_000_000);
