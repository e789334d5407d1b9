/**
 * Deterministic random-walk series shared by the swarm harness, tests and bench (mulberry32).
 * Must never be used for anything but tests and benchmarks.
 */
import { mulberry32 } from '../../../shared/random';

export function testSeries(n: number, seed: number): Float64Array {
  const rnd = mulberry32(seed);
  const s = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) s[i] = x += rnd() - 0.5;
  return s;
}
