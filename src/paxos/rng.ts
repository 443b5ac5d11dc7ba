import { xoroshiro128plus, unsafeUniformIntDistribution } from 'pure-rand';

/** The only source of randomness the core sees: seeded, so a run replays from its seed. */
export interface Rng {
  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number;
}

export function seededRng(seed: number): Rng {
  const gen = xoroshiro128plus(seed | 0);
  return {
    int(min, max) {
      if (!(Number.isInteger(min) && Number.isInteger(max) && min <= max)) {
        throw new Error(`rng.int: bad range [${min}, ${max}]`);
      }
      return unsafeUniformIntDistribution(min, max, gen);
    },
  };
}
