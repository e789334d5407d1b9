// The evaluation end to end: an evaluation of two shipped samples run from the Evaluate view (small K, a small
// grid, progress then tables), and the HTML report `warpdesk evaluate --report` writes, opened in Chromium
// (self-contained: no request leaves the page). Screenshots under test-results/. Waits are on conditions.
import { expect, test } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startHost, type RunningHost } from './host';

const root = path.resolve(__dirname, '..');
let host: RunningHost;
test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host.stop();
});

test('the Evaluate view runs an evaluation of two samples and shows the paragraph, p-values, DSR and PBO', async ({ page }) => {
  test.setTimeout(300_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await page.getByTestId('tab-evaluate').click();
  await expect(page.getByTestId('evaluate-empty')).toBeVisible();
  // USD/CHF (2) at weekly bars and MSFT (3); not the long US equity composite (1), to keep CI quick
  await expect(page.getByTestId('evaluate-pick-1')).toBeChecked();
  await page.getByTestId('evaluate-pick-1').uncheck();
  await page.getByLabel('timeframe of USD/CHF (30 min, 1996-2001)').selectOption('1W');
  await page.getByLabel('Folds').fill('2');
  await page.getByLabel('k values').fill('5');
  await page.getByLabel('Thresholds').fill('0.55,0.7');
  await page.getByLabel('Resamples').fill('200');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  await expect(page.getByTestId('evaluate-progress')).toBeVisible();
  const summary = page.getByTestId('evaluate-summary');
  await expect(summary).toBeVisible({ timeout: 280_000 });
  await expect(summary).toContainText(/2 rolling walk-forward folds per series/);
  await expect(summary).toContainText(/Deflated Sharpe Ratio|no DSR/);
  const pvalues = page.getByTestId('evaluate-pvalues');
  for (const h of ['comparison', 'p (one-sided)', 'Holm p']) await expect(pvalues.locator('th', { hasText: h })).toBeVisible();
  await expect(pvalues).toContainText('MSFT (daily, 2000-2001)');
  await expect(pvalues.locator('tr.pooled').first()).toContainText('learning vs baseline');
  await expect(page.getByTestId('evaluate-series')).toHaveCount(2);
  const pooled = page.getByTestId('evaluate-pooled');
  for (const h of ['DSR', 'PBO', 'SPA p']) await expect(pooled.locator('th', { hasText: h })).toBeVisible();
  await page.screenshot({ path: 'test-results/view-evaluate.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('the HTML report opens in Chromium without the network and shows the tables, DSR and PBO', async ({ page }) => {
  test.setTimeout(300_000);
  fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
  const file = path.join(root, 'test-results', 'evaluation-report.html');
  fs.rmSync(file, { force: true });
  const data = ['ttrc_daily.csv', 'usdchf_30min_1996_2001.csv'].map((f) => path.join(root, 'resources', 'data', f));
  await promisify(execFile)(
    process.execPath,
    [
      path.join(root, 'bin', 'warpdesk.cjs'),
      'evaluate',
      '--data',
      ...data,
      '--timeframe',
      '1W',
      '--folds',
      '2',
      '--window',
      '16',
      '--top',
      '5',
      '--threshold',
      '0.55,0.7',
      '--samples',
      '200',
      '--workers',
      '2',
      '--report',
      file,
    ],
    { cwd: root, timeout: 280_000 },
  );
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  await expect(page.getByRole('heading', { name: 'Walk-forward evaluation' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'In plain words' })).toBeVisible();
  await expect(page.locator('.summary')).toContainText(/learning/);
  for (const h of ['comparison', 'p (one-sided)', 'Holm p', 'DSR', 'PBO', 'SPA p']) await expect(page.locator('th', { hasText: h }).first()).toBeVisible();
  await expect(page.getByRole('heading', { name: /ttrc_daily\.csv/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: /Pooled across 2 series/ })).toBeVisible();
  // equity curves per fold (2 series × 2 folds) and a logit histogram per section
  await expect(page.locator('svg[aria-label^="equity, fold"]')).toHaveCount(4);
  await expect(page.locator('svg[aria-label="PBO logit histogram"]')).toHaveCount(3);
  await page.screenshot({ path: 'test-results/evaluation-report.png', fullPage: true });
  expect(requests).toEqual([]);
});
