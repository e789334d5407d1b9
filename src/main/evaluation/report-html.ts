/**
 * The evaluation report as one self-contained HTML file: no network, no script, charts drawn here as inline
 * SVG (equity curves per fold, the PBO logit histogram), the p-value table (raw and Holm), DSR and PBO, and the
 * plain-words paragraph. The same EvaluationReport as --json. Pure string building; every text is escaped.
 */
import type { EvaluationReport, FoldReport, Overfitting, SeriesReport } from '../../shared/contract/evaluation';

const COLORS: Record<string, string> = { learning: '#1f77b4', baseline: '#ff7f0e', 'buy-and-hold': '#2ca02c', random: '#9467bd' };
const LINES = ['learning', 'baseline', 'buy-and-hold', 'random'] as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
const f2 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));
const f3 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3));
const pct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** An SVG line chart of one fold's test-range equity curves. */
export function equitySvg(fold: FoldReport, width = 300, height = 150): string {
  const pad = 24;
  const all = LINES.flatMap((k) => fold.equity[k]);
  const lo = Math.min(...all, 1);
  const hi = Math.max(...all, 1);
  const span = hi - lo || 1;
  const n = fold.equity.time.length;
  const x = (i: number): number => pad + (n > 1 ? (i / (n - 1)) * (width - 2 * pad) : 0);
  const y = (v: number): number => height - pad - ((v - lo) / span) * (height - 2 * pad);
  const paths = LINES.map((k) => {
    const d = fold.equity[k].map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${COLORS[k]}" stroke-width="1.3"><title>${k}</title></path>`;
  }).join('');
  const one = `<line x1="${pad}" x2="${width - pad}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#bbb" stroke-dasharray="3,3"/>`;
  const label = `<text x="${pad}" y="14" font-size="11">fold ${fold.index + 1}: ${day(fold.test.fromTime)} → ${day(fold.test.toTime)}</text>`;
  const axis = `<text x="2" y="${y(hi) + 4}" font-size="9">${hi.toFixed(2)}</text><text x="2" y="${y(lo) + 4}" font-size="9">${lo.toFixed(2)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="equity, fold ${fold.index + 1}">${label}${axis}${one}${paths}</svg>`;
}

/** An SVG histogram of the CSCV logits (λ ≤ 0: the in-sample best fell to or below the out-of-sample median). */
export function logitHistogramSvg(logits: readonly number[], width = 320, height = 140): string {
  const pad = 22;
  if (logits.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="40"><text x="4" y="20" font-size="11">no logits</text></svg>`;
  const lo = Math.min(...logits, -1);
  const hi = Math.max(...logits, 1);
  const bins = 16;
  const w = (hi - lo) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const l of logits) counts[Math.min(bins - 1, Math.floor((l - lo) / w))]!++;
  const max = Math.max(...counts);
  const bw = (width - 2 * pad) / bins;
  const bars = counts
    .map((c, i) => {
      const h = (c / max) * (height - 2 * pad);
      const left = lo + i * w;
      const color = left + w <= 0 ? '#d62728' : '#1f77b4';
      return `<rect x="${(pad + i * bw).toFixed(1)}" y="${(height - pad - h).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${left.toFixed(2)}…${(left + w).toFixed(2)}: ${c}</title></rect>`;
    })
    .join('');
  const zx = pad + ((0 - lo) / (hi - lo)) * (width - 2 * pad);
  const zero = `<line x1="${zx.toFixed(1)}" x2="${zx.toFixed(1)}" y1="${pad - 6}" y2="${height - pad}" stroke="#333" stroke-dasharray="2,2"/>`;
  const axis = `<text x="${pad}" y="${height - 6}" font-size="9">${lo.toFixed(1)}</text><text x="${width - pad - 16}" y="${height - 6}" font-size="9">${hi.toFixed(1)}</text><text x="${(zx - 3).toFixed(1)}" y="${height - 6}" font-size="9">0</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="PBO logit histogram">${bars}${zero}${axis}</svg>`;
}

function metricsTable(metrics: Record<string, { sharpe: number | null; totalReturn: number; maxDrawdown: number; exposure: number; bars: number }>): string {
  const rows = LINES.map((k) => {
    const m = metrics[k];
    return m
      ? `<tr><td><span class="dot" style="background:${COLORS[k]}"></span>${k}</td><td>${f2(m.sharpe)}</td><td>${pct(m.totalReturn)}</td><td>${pct(m.maxDrawdown)}</td><td>${pct(m.exposure)}</td><td>${m.bars}</td></tr>`
      : '';
  }).join('');
  return `<table><thead><tr><th>strategy</th><th>Sharpe</th><th>return</th><th>max drawdown</th><th>exposure</th><th>test bars</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function overfittingBlock(o: Overfitting): string {
  return `<table><thead><tr><th>trials</th><th>best variant</th><th>Sharpe (per bar)</th><th>E[max Sharpe]</th><th>DSR</th><th>PBO</th><th>SPA p</th></tr></thead><tbody><tr><td>${o.trials}</td><td>${esc(o.best ?? '–')}</td><td>${f3(o.bestSharpe)}</td><td>${f3(o.expectedMaxSharpe)}</td><td>${f3(o.dsr)}</td><td>${f3(o.pbo)}</td><td>${f3(o.spaP)}</td></tr></tbody></table>${o.note ? `<p class="note">${esc(o.note)}</p>` : ''}<figure>${logitHistogramSvg(o.logits)}<figcaption>PBO logit histogram (${o.logits.length} CSCV splits; red: λ ≤ 0)</figcaption></figure>`;
}

function seriesBlock(s: SeriesReport): string {
  const folds = s.folds
    .map(
      (f) =>
        `<tr><td>${f.index + 1}</td><td>${day(f.train.fromTime)} → ${day(f.train.toTime)}</td><td>${day(f.validation.fromTime)} → ${day(f.validation.toTime)}</td><td>${day(f.test.fromTime)} → ${day(f.test.toTime)}</td><td>${esc(f.chosen.baseline)}</td><td>${esc(f.chosen.learning)}</td><td>${f.learnedFrom}</td></tr>`,
    )
    .join('');
  return `<section class="series"><h2>${esc(s.name)} <small>${esc(s.timeframe)} · ${s.barCount} bars · ${day(s.from)} → ${day(s.to)}</small></h2>
<h3>Out of sample (test ranges of all folds)</h3>${metricsTable(s.metrics)}
<h3>Folds</h3><table><thead><tr><th>fold</th><th>train</th><th>validation</th><th>test</th><th>baseline chosen</th><th>learning chosen</th><th>learned from</th></tr></thead><tbody>${folds}</tbody></table>
<div class="charts">${s.folds.map((f) => equitySvg(f)).join('')}</div>
<h3>Variants tried: DSR and PBO</h3>${overfittingBlock(s.overfitting)}</section>`;
}

function pTable(r: EvaluationReport): string {
  const rows: string[] = [];
  for (const s of r.series)
    for (const c of s.comparisons)
      rows.push(`<tr><td>${esc(s.name)}</td><td>${esc(c.against)}</td><td>${f2(c.meanDiffBps)}</td><td>${f3(c.p)}</td><td class="${c.pHolm !== null && c.pHolm < r.settings.alpha ? 'sig' : ''}">${f3(c.pHolm)}</td></tr>`);
  if (r.pooled) for (const c of r.pooled.comparisons) rows.push(`<tr class="pooled"><td>pooled</td><td>${esc(c.against)}</td><td>${f2(c.meanDiffBps)}</td><td>${f3(c.p)}</td><td>${f3(c.pHolm)}</td></tr>`);
  return `<table class="p"><thead><tr><th>series</th><th>comparison</th><th>mean difference (bp per bar)</th><th>p (one-sided)</th><th>Holm p</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderReportHtml(r: EvaluationReport): string {
  const s = r.settings;
  const legend = LINES.map((k) => `<span class="dot" style="background:${COLORS[k]}"></span>${k}`).join(' &nbsp; ');
  const pooled = r.pooled
    ? `<section><h2>Pooled across ${r.series.length} series</h2><p class="note">Sharpe, return, drawdown and exposure are means across series; the p-values and the DSR/PBO use the test bars of all series stacked.</p>${metricsTable(r.pooled.metrics)}<h3>Variants tried: DSR and PBO</h3>${overfittingBlock(r.pooled.overfitting)}</section>`
    : `<section><h2>Pooled</h2><p class="note">${esc(r.pooledNote ?? '')}</p></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Warpdesk evaluation</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h2 small{font-weight:normal;color:#666;font-size:13px}h3{font-size:15px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
td.sig{font-weight:bold;color:#0a6b0a}tr.pooled td{background:#fafaf0}.note{color:#555;font-size:13px}.summary{background:#f6f8fa;border-left:4px solid #1f77b4;padding:10px 14px}
.charts{display:flex;flex-wrap:wrap;gap:8px}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}figure{margin:6px 0}figcaption{font-size:12px;color:#555}
</style></head><body>
<h1>Walk-forward evaluation</h1>
<p class="note">${s.folds} ${s.mode} folds per series · embargo ${r.embargo} bars · horizon ${s.horizon} · grid W ${s.grid.window.join('/')} · k ${s.grid.top.join('/')} · threshold ${s.grid.threshold.join('/')} (${r.variants.length} variants) · stationary bootstrap ${s.samples} resamples, seed ${s.seed} · costs ${s.commissionBps + s.slippageBps} bp · engine ${esc(r.backend)}</p>
<h2>In plain words</h2><p class="summary">${esc(r.summary)}</p>
<h2>p-values</h2><p class="note">One-sided: small p = evidence that the first strategy earns more per bar than the second over the test bars. Holm corrects each comparison across the ${r.series.length} series (α = ${s.alpha}).</p>${pTable(r)}
<p>${legend}</p>
${r.series.map(seriesBlock).join('\n')}
${pooled}
</body></html>
`;
}
