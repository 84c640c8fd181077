/**
 * A seeded pseudo-random number generator: mulberry32, 32 bits of state, no dependency.
 *
 * The virtual network draws every random decision (loss, duplication, jitter) from one of these,
 * in the order datagrams are sent, so the same seed and the same sends give the same fates.
 *
 * @param seed - any number; only its low 32 bits are used.
 * @returns a function returning the next number in [0, 1) on each call.
 * @example
 * const random = createPrng(42);
 * random(); // always the same first value for seed 42
 */
export function createPrng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
