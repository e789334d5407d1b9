/**
 * Φ, Φ⁻¹, PSR and DSR against published numbers: the normal table (Abramowitz & Stegun 26.2), the numerical
 * example of Bailey & López de Prado 2014 ("The Deflated Sharpe Ratio", section 6: SR 2.5 annualised over 250
 * days, T = 1,250 daily returns, N = 100 trials with annualised Sharpe variance 1/2, skewness −3, kurtosis 10:
 * SR0 ≈ 0.1132 per day and DSR ≈ 0.9004), and the minimum track record length of Bailey & López de Prado 2012
 * (the PSR at T = MinTRL is exactly the confidence asked for), as a property.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../../shared/random';
import { deflatedSharpeRatio, expectedMaxSharpe, normalCdf, normalQuantile, probabilisticSharpeRatio, returnMoments, sharpeRatio } from '..';

describe('normal distribution', () => {
  it('matches the tabulated CDF, tails included', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalCdf(-3) / 0.0013498980316301).toBeCloseTo(1, 12);
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 12);
    expect(normalCdf(-8) / 6.22096057427178e-16).toBeCloseTo(1, 12);
  });

  it('has the tabulated quantiles and inverts the CDF', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326347874040841, 12);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 15);
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), (p) => {
        const x = normalQuantile(p);
        expect(Math.abs(normalCdf(x) - p)).toBeLessThan(1e-13 + 1e-12 * p);
      }),
    );
  });
});

describe('Sharpe ratio, PSR and DSR', () => {
  it('reproduces the deflated Sharpe ratio example of Bailey & López de Prado (2014)', () => {
    const r = deflatedSharpeRatio({
      sharpe: 2.5 / Math.sqrt(250),
      trials: 100,
      trialSharpeVariance: 0.5 / 250,
      observations: 1250,
      skewness: -3,
      kurtosis: 10,
    });
    expect(r.expectedMaxSharpe).toBeCloseTo(0.1132, 4);
    expect(r.dsr).toBeCloseTo(0.9004, 4);
  });

  it('a DSR is the PSR against the expected maximum; one trial deflates nothing', () => {
    const input = { sharpe: 0.08, trials: 1, trialSharpeVariance: 0.01, observations: 500, skewness: -0.5, kurtosis: 5 };
    expect(deflatedSharpeRatio(input).dsr).toBe(probabilisticSharpeRatio({ ...input, benchmark: 0 }));
    expect(expectedMaxSharpe(1, 0.5)).toBe(0);
    // more trials, or more spread among them, raise the bar
    expect(expectedMaxSharpe(1000, 0.01)).toBeGreaterThan(expectedMaxSharpe(100, 0.01));
    expect(expectedMaxSharpe(100, 0.04)).toBeCloseTo(2 * expectedMaxSharpe(100, 0.01), 12);
  });

  it('PSR at the minimum track record length is the confidence asked for (Bailey & López de Prado 2012)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.02, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.015, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: 2, max: 12, noNaN: true }),
        fc.double({ min: 0.6, max: 0.999, noNaN: true }),
        (sr, benchFrac, skewness, kurtosis, confidence) => {
          const benchmark = sr * benchFrac * 10; // below sr
          const v = 1 - skewness * sr + ((kurtosis - 1) / 4) * sr * sr;
          fc.pre(v > 0);
          const minTrl = 1 + v * (normalQuantile(confidence) / (sr - benchmark)) ** 2;
          expect(probabilisticSharpeRatio({ sharpe: sr, benchmark, observations: minTrl, skewness, kurtosis })).toBeCloseTo(confidence, 10);
        },
      ),
    );
  });

  it('PSR is one half when the benchmark is the observed Sharpe, and penalises negative skew and fat tails', () => {
    expect(probabilisticSharpeRatio({ sharpe: 0.1, benchmark: 0.1, observations: 100 })).toBe(0.5);
    const normal = probabilisticSharpeRatio({ sharpe: 0.1, observations: 250 });
    expect(probabilisticSharpeRatio({ sharpe: 0.1, observations: 250, skewness: -2, kurtosis: 9 })).toBeLessThan(normal);
  });

  it('computes the Sharpe ratio and moments of a series', () => {
    expect(sharpeRatio([1, 2, 3, 4])).toBeCloseTo(2.5 / Math.sqrt(5 / 3), 14);
    expect(sharpeRatio([0, 0, 0])).toBe(0);
    expect(Number.isNaN(sharpeRatio([1]))).toBe(true);
    const sym = returnMoments([-2, -1, 0, 1, 2]);
    expect(sym.skewness).toBeCloseTo(0, 14);
    expect(sym.kurtosis).toBeCloseTo(1.7, 14); // m4 / m2² = 6.8 / 4
    const random = mulberry32(7);
    const gauss = Array.from({ length: 20000 }, () => {
      let s = 0;
      for (let i = 0; i < 12; i++) s += random();
      return s - 6;
    });
    const m = returnMoments(gauss);
    expect(Math.abs(m.skewness)).toBeLessThan(0.1);
    expect(m.kurtosis).toBeGreaterThan(2.7);
    expect(m.kurtosis).toBeLessThan(3.1);
  });
});
