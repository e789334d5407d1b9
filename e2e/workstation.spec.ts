// The workstation in a browser: opens on the shipped sample, imports a CSV, runs a query through the learning
// loop (one `analogs:run`), sees the analogs listed and drawn on the chart with the forecast, the gated decision
// and the gate, overlays one, and saves screenshots under test-results/. Waits are on conditions, never on time.
import { expect, test } from '@playwright/test';
import path from 'node:path';
import { startHost, type RunningHost } from './host';

let host: RunningHost;
test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host.stop();
});

test('import a CSV, search, see the matches listed and highlighted', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  // The token moved from the URL fragment into session storage and out of the address bar.
  await expect(page).toHaveURL(`${host.origin}/`);
  // First start opens a shipped sample data set.
  const chart = page.getByTestId('price-chart');
  await expect(chart).toHaveAttribute('data-bars', '5550');

  // Import the MSFT daily CSV through the file picker: the import dialog previews it and says the series is
  // already in the workspace (it is a shipped sample); "Open existing data set" selects that one.
  await page.getByTestId('import-input').setInputFiles(path.resolve(__dirname, '../resources/data/msft_daily_2000_2001.csv'));
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-bars', '249');
  await expect(page.getByTestId('import-duplicate')).toContainText('already in the workspace as "MSFT (daily, 2000-2001)"');
  await expect(page.getByTestId('import-confirm')).toBeDisabled();
  await page.getByTestId('import-open-existing').click();
  await expect(page.getByTestId('import-dialog')).toHaveCount(0);
  await expect(page.getByTestId('dataset-select')).toHaveValue(/\d+/);
  await expect(chart).toHaveAttribute('data-bars', '249');
  await expect(page.getByTestId('dataset-select').locator('option:checked')).toHaveText('MSFT (daily, 2000-2001)');

  // Back to the long sample for a meaningful search: last 40 bars, top 8.
  await page.getByTestId('dataset-select').selectOption({ index: 0 });
  await expect(chart).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('last-n').fill('40');
  await page.getByTestId('use-last-n').click();
  await expect(page.getByTestId('query-info')).toContainText('Query: 40 bars');
  await page.getByLabel('Top k').fill('8');
  await page.getByTestId('run-search').click();

  const rows = page.getByTestId('match-row');
  await expect(rows).toHaveCount(8);
  // 8 analogs + the query are drawn as highlighted ranges (those below the threshold too, fainter).
  await expect(chart).toHaveAttribute('data-highlights', '9');
  await expect(page.getByTestId('search-summary')).toContainText('8 analogs');
  // The forecast cone after the last bar: 10 steps (the horizon) from the analogs' forward paths, with its legend.
  await expect(chart).toHaveAttribute('data-cone-steps', '10');
  expect(Number(await chart.getAttribute('data-cone-paths'))).toBeGreaterThan(0);
  await expect(page.getByTestId('cone-legend')).toContainText(/median path · 25–75 % · 10–90 % of \d+ analogs over the next 10 bars/);
  // Daily equity data: candles with volume, prices to the cent.
  await expect(chart).toHaveAttribute('data-style', 'candles');
  await expect(chart).toHaveAttribute('data-volume', 'on');
  await expect(chart).toHaveAttribute('data-price-decimals', '2');
  await page.screenshot({ path: 'test-results/workstation-cone.png' });

  // The same call decided: a direction or "stand aside" with its reason, the gate and the similarity threshold.
  const decision = page.getByTestId('decision');
  await expect(decision).toHaveAttribute('data-signal', /^(long|short|flat)$/);
  await expect(decision).toHaveAttribute('data-reason', /^(trade|no-analogs|below-gate|no-edge|no-shorts)$/);
  await expect(page.getByTestId('decision-reason')).not.toBeEmpty();
  if ((await decision.getAttribute('data-reason')) === 'trade') {
    await expect(decision).toHaveAttribute('data-signal', /^(long|short)$/);
    await expect(decision).not.toContainText('Stand aside');
  } else {
    await expect(decision).toHaveAttribute('data-signal', 'flat');
    await expect(decision).toContainText('Stand aside');
  }
  const gate = page.getByTestId('gate');
  await expect(gate).toContainText(/Gate\s*(\d+\.\d%|closed)/);
  await expect(gate).toContainText(/Similarity threshold\s*[01]\.\d{3}/);
  await expect(page.getByTestId('gate-note')).toContainText('How the gate works');
  // Analogs below the threshold stay listed, greyed and tagged, as many as the forecast says it left out.
  const forecast = page.getByTestId('forecast');
  const below = Number(await forecast.getAttribute('data-below'));
  expect(Number(await forecast.getAttribute('data-admitted')) + below).toBe(8);
  await expect(rows.filter({ hasText: 'below threshold' })).toHaveCount(below);
  await expect(page.locator('[data-testid="match-row"][data-admitted="false"]')).toHaveCount(below);
  await expect(forecast).toContainText(`${8 - below} admitted / ${below} below threshold`);

  // The decision became an experience; the query ends at the last bar, so it waits for its horizon.
  await expect(page.getByTestId('memory-summary')).toContainText('Recorded as analog:1D');
  await expect(page.getByTestId('experience-status')).toHaveAttribute('data-judged', 'false');

  // Clicking an analog scrolls to it and overlays it on the query.
  await rows.nth(0).click();
  await expect(chart).toHaveAttribute('data-overlay', 'on');
  await expect(chart).toHaveAttribute('data-revealed', /^\d+-\d+$/);
  await page.screenshot({ path: 'test-results/workstation-match.png' });
  await page.getByTestId('reveal-query').click();
  await expect(chart).toHaveAttribute('data-revealed', '5510-5549');
  await page.screenshot({ path: 'test-results/workstation-search.png' });
  expect(errors).toEqual([]);
});

test('30-minute data at coarser timeframes, and a query dragged on the chart', async ({ page }) => {
  await page.goto(host.url);
  const chart = page.getByTestId('price-chart');
  await expect(chart).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('dataset-select').selectOption({ label: 'USD/CHF (30 min, 1996-2001)' });
  await expect(chart).toHaveAttribute('data-bars', '62496');
  // Closes only: a line without a volume pane, prices to the data's four decimals, the legend says "Close".
  await expect(chart).toHaveAttribute('data-style', 'line');
  await expect(chart).toHaveAttribute('data-volume', 'off');
  await expect(chart).toHaveAttribute('data-price-decimals', '4');
  const cbox = (await chart.boundingBox())!;
  await page.mouse.move(cbox.x + cbox.width * 0.5, cbox.y + cbox.height * 0.5);
  await expect(page.getByTestId('chart-legend')).toContainText(/Close \d\.\d{4}/);
  await expect(page.getByTestId('chart-legend')).not.toContainText('V ');
  await page.screenshot({ path: 'test-results/workstation-close-only.png' });
  // An impossible "Last N bars" is refused with a sentence; the query is not silently changed.
  await page.getByTestId('last-n').fill('99999');
  await page.getByTestId('use-last-n').click();
  await expect(page.getByTestId('query-note')).toContainText('must be a whole number from 2 to the 62,496 bars shown (got 99999); the query is unchanged');
  await page.getByLabel('Top k').fill('0');
  await expect(page.getByTestId('param-problem')).toContainText('Top k is how many analogs to find');
  await expect(page.getByTestId('run-search')).toBeDisabled();
  await page.getByLabel('Top k').fill('10');
  await expect(page.getByTestId('param-problem')).toHaveCount(0);
  await expect(page.getByTestId('timeframe-select').locator('option')).toHaveText(['30m', '1h', '4h', '1D', '1W']);
  await page.getByTestId('timeframe-select').selectOption('4h');
  await expect(chart).not.toHaveAttribute('data-bars', '62496');
  const fourHour = Number(await chart.getAttribute('data-bars'));
  expect(fourHour).toBeGreaterThan(7000);
  expect(fourHour).toBeLessThan(62496 / 8 + 300);
  await page.getByTestId('timeframe-select').selectOption('1D');
  await expect(chart).not.toHaveAttribute('data-bars', String(fourHour));

  // Drag over the chart to select the query.
  await page.getByTestId('select-range').click();
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 8 });
  await page.mouse.up();
  const info = await page.getByTestId('query-info').textContent();
  const len = Number(/Query: (\d+) bars/.exec(info ?? '')?.[1]);
  expect(len).toBeGreaterThan(10);
  expect(len).toBeLessThan(300);
  await page.getByTestId('run-search').click();
  await expect(page.getByTestId('match-row')).toHaveCount(10);
  await expect(page.getByTestId('memory-summary')).toContainText('Recorded as analog:1D');
  // The query lies in the past: its horizon is already in the data, so the same call judged it at once.
  await expect(page.getByTestId('experience-status')).toHaveAttribute('data-judged', 'true');
  await expect(page.getByTestId('experience-status')).toContainText('Judged at once');
  await expect(page.getByTestId('gate')).toContainText('Calibrated');
  // The same query again: the memory now ranks the first experience for it.
  await page.getByTestId('run-search').click();
  await expect(page.getByTestId('past-experiences').locator('tbody tr')).not.toHaveCount(0);

  // The Learning view shows it judged, with its four scores, and the audit chain verifies.
  await page.getByTestId('tab-learning').click();
  const judged = page.getByTestId('experiences').locator('tbody tr[data-judged="true"]');
  await expect(judged.first()).toBeVisible();
  await page.getByRole('button', { name: 'Verify audit chain' }).click();
  await expect(page.getByTestId('memory-status')).toContainText(/intact|verified|ok/i);
  await page.screenshot({ path: 'test-results/view-learning-judged.png' });
});

test('a bad CSV is refused with a sentence naming the line', async ({ page }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', /\d+/);
  await page.getByTestId('import-input').setInputFiles({
    name: 'broken.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('date,open,high,low,close\n2001-01-02,1,2,0.5,1\n2001-01-03,1,0.9,1.1,1\n'),
  });
  // The import dialog says why, and Import stays disabled until the file is fixed.
  await expect(page.getByTestId('import-error')).toContainText('Line 3: the high 0.9 is below the low 1.1');
  await expect(page.getByTestId('import-confirm')).toBeDisabled();
  await page.getByTestId('import-cancel').click();
  await expect(page.getByTestId('import-dialog')).toHaveCount(0);
  const options = await page.getByTestId('dataset-select').locator('option').allTextContents();
  expect(options).not.toContain('broken');
});
