/**
 * Property tests of the fold plan (the oracle is the plan's own index sets): test ranges are consecutive and
 * disjoint, no learnable training decision or its outcome window and no validation bar ever reaches a test
 * bar of its fold, purging and the embargo hold for any K, length, H and E, and a series too short is refused
 * with the minimum length.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { learnable, minimumBars, planFolds } from '../folds';

const params = fc.record({
  folds: fc.integer({ min: 1, max: 8 }),
  horizon: fc.integer({ min: 1, max: 30 }),
  embargo: fc.integer({ min: 0, max: 30 }),
  start: fc.integer({ min: 0, max: 300 }),
  extra: fc.integer({ min: 0, max: 3000 }),
  mode: fc.constantFrom('rolling' as const, 'anchored' as const),
});

describe('planFolds', () => {
  it('keeps every training label and every validation bar out of the test bars, for any K, length, H and embargo', () => {
    fc.assert(
      fc.property(params, (o) => {
        const n = minimumBars(o) + o.extra;
        const plan = planFolds(n, o);
        expect(plan.folds).toHaveLength(o.folds);
        let lastTestEnd = -1;
        for (const f of plan.folds) {
          // ranges are ordered: train, embargo, validation, embargo, test
          expect(f.train.from).toBeGreaterThanOrEqual(o.start);
          expect(f.validation.from).toBe(f.train.to + o.embargo);
          expect(f.test.from).toBe(f.validation.to + o.embargo);
          expect(f.validation.to - f.validation.from).toBeGreaterThanOrEqual(20);
          expect(f.test.to - f.test.from).toBeGreaterThanOrEqual(20);
          expect(f.test.to).toBeLessThanOrEqual(n);
          if (o.mode === 'anchored') expect(f.train.from).toBe(o.start);
          // consecutive folds test consecutive, disjoint ranges
          expect(f.test.from).toBeGreaterThan(lastTestEnd);
          lastTestEnd = f.test.to - 1;
          // purging: every learnable decision's outcome window [t, t+H] ends inside training
          let learned = 0;
          const violations: number[] = [];
          for (let t = 0; t < n; t++) {
            if (!learnable(f, t)) continue;
            learned++;
            const ok = t >= f.train.from && t + o.horizon < f.train.to && t + o.horizon < f.validation.from - o.embargo + 1 && t + o.horizon < f.test.from;
            if (!ok) violations.push(t);
          }
          expect(violations).toEqual([]);
          expect(learned).toBe(Math.max(0, f.train.to - o.horizon - f.train.from));
          expect(learned).toBeGreaterThan(0);
        }
        // the last test range reaches the end of the series
        expect(plan.folds[plan.folds.length - 1]!.test.to).toBe(n);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a series one bar shorter than the minimum with a sentence naming the minimum', () => {
    fc.assert(
      fc.property(params, (o) => {
        const min = minimumBars(o);
        expect(() => planFolds(min, o)).not.toThrow();
        expect(() => planFolds(min - 1, { ...o, name: '"x.csv"' })).toThrow(new RegExp(`"x\\.csv" has ${min - 1} bars, too few for ${o.folds} folds?: .* at least ${min} bars`));
      }),
      { numRuns: 200 },
    );
  });
});
