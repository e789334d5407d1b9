/**
 * Deterministic random-walk series shared by the swarm harness, tests and bench (mulberry32).
 * Must never be used for anything but tests and benchmarks.
 */
export function testSeries(n: number, seed: number): Float64Array {
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const s = new Float64Array(n);
  let x = 0;
  for (let i = 0; i < n; i++) s[i] = x += rnd() - 0.5;
  return s;
}
