// The Learning view's words: a plain name and a one-paragraph tooltip for every score and number it shows.
// The formulas are the memory's (src/main/memory/judge.ts, adapt.ts); this only explains them.

export interface Word {
  label: string;
  tip: string;
}

export const WORDS = {
  verdicts: { label: 'Verdicts', tip: 'Decisions whose horizon has passed in the data and that were judged against what really happened.' },
  successRate: {
    label: 'Success rate',
    tip: 'Share of judged decisions that went the right way (a profitability score above 0.5), smoothed as (1 + successes) / (2 + verdicts) so that a handful of verdicts cannot claim 0 % or 100 %.',
  },
  threshold: {
    label: 'Similarity threshold',
    tip: 'Analogs less similar than this are listed but left out of the forecast. It adapts after each verdict: it rises when admitted analogs led to poor decisions and falls when they led to good ones.',
  },
  calibrationError: {
    label: 'Calibration error',
    tip: 'How far the stated confidences are from what came true, averaged over the confidence bins and weighted by their verdicts: 0 means a 70 % confidence came true 70 % of the time.',
  },
  averageQuality: { label: 'Average quality', tip: 'Mean quality of all verdicts so far (see Quality).' },
  when: { label: 'When', tip: 'The bar at whose close the decision was made (UTC).' },
  dataset: { label: 'Data set', tip: 'Where the decision was made; "(swarm)" marks an experience shared by another agent.' },
  timeframe: { label: 'Timeframe', tip: 'Bar size the analogs were searched at.' },
  signal: { label: 'Signal', tip: 'What the analogs suggested: long (a rise), short (a fall) or flat (stand aside).' },
  confidence: { label: 'Confidence', tip: 'Share of the admitted analogs that agreed with the signal, weighted by similarity: what the decision stated before knowing the outcome.' },
  similarity: { label: 'Similarity', tip: 'How close the best analogs were to the query, 0 to 1 (1 = identical shape).' },
  quality: {
    label: 'Quality',
    tip: 'Overall grade of the decision, 0 (bad) to 1 (good): 40 % profitability, 20 % risk, 15 % timing, 25 % consistency. "Pending" means its horizon is not yet in the data.',
  },
  profitability: {
    label: 'Profitability',
    tip: 'Did it make money over the horizon? 0.5 is break-even; above 0.5 is a success. Scaled by how much the analogs usually moved, so 0.9 means a large gain for this market. For "stand aside", high when the price indeed barely moved.',
  },
  risk: { label: 'Risk', tip: 'How little the price went against the position before the horizon: 1 = never against it, near 0 = a deep adverse move.' },
  timing: { label: 'Timing', tip: 'How early the expected move arrived: 1 = at once, 0.5 = at the very end of the horizon, 0 = never.' },
  consistency: { label: 'Consistency', tip: 'How typical the outcome was of what followed the analogs: 1 = right at their average, near 0 = far outside it. 0.5 when there were too few analogs to tell.' },
  flags: { label: 'Notes', tip: 'Set by consolidation: a duplicate of another experience, a contradiction with a similar one, or pruned.' },
} satisfies Record<string, Word>;

/** "1 verdict", "12 verdicts". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}
