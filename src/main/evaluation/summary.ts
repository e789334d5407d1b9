/**
 * The one paragraph in plain words of an evaluation report, generated from its numbers only: what learning
 * did against the baseline per series (Holm-corrected), pooled, how the baseline fared against buy-and-hold,
 * and what the DSR and PBO say about the variants tried. Never claims an effect whose corrected p ≥ alpha.
 */
import type { EvaluationReport } from '../../shared/contract/evaluation';

const f2 = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
const f3 = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

export function summarize(r: EvaluationReport): string {
  const alpha = r.settings.alpha;
  const out: string[] = [];
  const lb = (rows: EvaluationReport['series'][number]['comparisons']) => rows.find((c) => c.against === 'learning vs baseline');
  const bh = (rows: EvaluationReport['series'][number]['comparisons']) => rows.find((c) => c.against === 'baseline vs buy-and-hold');
  const helped = r.series.filter((s) => {
    const c = lb(s.comparisons);
    return c && c.pHolm !== null && c.pHolm < alpha && c.meanDiffBps > 0;
  });
  const pooledLb = r.pooled ? lb(r.pooled.comparisons) : undefined;
  const pooledHelps = pooledLb !== undefined && pooledLb.p !== null && pooledLb.p < alpha && pooledLb.meanDiffBps > 0;
  const folds = `${r.settings.folds} ${r.settings.mode} walk-forward fold${r.settings.folds === 1 ? '' : 's'} per series (embargo ${r.embargo} bars, ${r.variants.length} variants tried)`;
  // A learning run that never held a position can only "beat" a losing baseline by standing aside: say so.
  const aside = (x: EvaluationReport['series'][number]): boolean => (x.metrics['learning']?.exposure ?? 0) < 0.01;
  const trading = helped.filter((x) => !aside(x));
  const standing = helped.filter(aside);
  if (trading.length === 0 && !pooledHelps) {
    out.push(
      `Over ${folds}, there is no evidence that learning helps on these data: it did not beat its own baseline significantly while trading on any series after the Holm correction across ${r.series.length} series${pooledLb ? `, nor pooled (p = ${f3(pooledLb.p)})` : ''}.`,
    );
  } else {
    const names = trading.map((s) => `${s.name} (Holm p = ${f3(lb(s.comparisons)!.pHolm)})`);
    out.push(`Over ${folds}, learning beat its own baseline significantly on ${names.length > 0 ? names.join(', ') : 'no single series'}${pooledHelps ? `, and pooled across series (p = ${f3(pooledLb!.p)})` : ''}.`);
  }
  if (standing.length > 0) {
    out.push(
      `On ${standing.map((s) => `${s.name} (Holm p = ${f3(lb(s.comparisons)!.pHolm)})`).join(', ')} learning came out ahead of the baseline only by standing aside: its learned gate stayed closed over the test ranges (no position), so it avoided a losing baseline rather than found a signal that works.`,
    );
  }
  for (const s of r.series) {
    const c = lb(s.comparisons);
    out.push(
      `On ${s.name}, the out-of-sample Sharpe was ${f2(s.metrics['learning']?.sharpe)} with learning, ${f2(s.metrics['baseline']?.sharpe)} for the baseline and ${f2(s.metrics['buy-and-hold']?.sharpe)} for buy-and-hold (learning minus baseline ${f2(c?.meanDiffBps)} bp per bar, p = ${f3(c?.p)}, Holm ${f3(c?.pHolm)}).`,
    );
  }
  const beatHold = r.series.filter((s) => {
    const c = bh(s.comparisons);
    return c && c.pHolm !== null && c.pHolm < alpha && c.meanDiffBps > 0;
  });
  const pooledBh = r.pooled ? bh(r.pooled.comparisons) : undefined;
  const pooledBhText = pooledBh && pooledBh.p !== null ? (pooledBh.p < alpha && pooledBh.meanDiffBps > 0 ? `; pooled, it did (p = ${f3(pooledBh.p)})` : `, nor pooled (p = ${f3(pooledBh.p)})`) : '';
  out.push(
    beatHold.length === 0
      ? `The baseline did not beat buy-and-hold significantly on any series after the Holm correction${pooledBhText}.`
      : `The baseline beat buy-and-hold significantly on ${beatHold.map((s) => s.name).join(', ')} after the Holm correction${pooledBhText}.`,
  );
  const o = r.pooled?.overfitting ?? r.series[0]?.overfitting;
  if (o) {
    const where = r.pooled ? 'pooled' : r.series[0]!.name;
    const dsrText =
      o.dsr === null
        ? 'no DSR could be computed'
        : `the best of the ${o.trials} variants (${o.best}) has a Deflated Sharpe Ratio of ${f3(o.dsr)}${o.dsr >= 0.95 ? ', so its Sharpe survives the correction for the trials' : ', so its Sharpe is not distinguishable from the best of as many unskilled trials'}`;
    const pboText =
      o.pbo === null
        ? `no PBO (${o.note ?? 'not enough data'})`
        : `the Probability of Backtest Overfitting is ${f2(o.pbo)}${o.pbo > 0.5 ? ' (the variant that looks best in-sample is more often than not below the median out of sample)' : ''}`;
    out.push(`For the variants (${where}), ${dsrText}; ${pboText}.`);
  }
  return out.join(' ');
}
