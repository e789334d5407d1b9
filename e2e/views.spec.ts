// Every capability's view opens in the browser host without errors; a backtest, a swarm, and "Learn from
// history" filling the Learning view. Screenshots for the record. Waits are on conditions, never on time.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHost, type RunningHost } from './host';

let host: RunningHost;
test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host.stop();
});

/** What shows once each view has loaded what it needs from the host. */
const loaded: Record<'learning' | 'backtest' | 'swarm', (page: Page) => Locator> = {
  learning: (page) => page.getByTestId('trajectory-facts'),
  backtest: (page) => page.getByRole('button', { name: 'Run backtest', disabled: false }),
  swarm: (page) => page.getByRole('button', { name: 'Host', exact: true }),
};

test('the empty Learning view explains how verdicts arrive and learns from history in place', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-learning').click();
  const empty = page.getByTestId('learning-empty');
  await expect(empty).toContainText('Nothing learned yet');
  await expect(empty).toContainText('Verdicts arrive in three ways');
  await page.screenshot({ path: 'test-results/view-learning-empty.png' });
  await page.getByTestId('learning-empty-learn').click();
  const panel = empty.getByTestId('learn-panel');
  await panel.getByLabel('Step').fill('25');
  await panel.getByTestId('learn-start').click();
  // Verdicts arrive: the empty state gives way to the trajectory, its legend and the reliability diagram.
  const facts = page.getByTestId('trajectory-facts');
  await expect.poll(async () => Number(await facts.getAttribute('data-verdicts')), { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(empty).toHaveCount(0);
  await expect(facts).toContainText(/\d+ verdicts · Success rate \d+ % · Similarity threshold \d\.\d\d · Calibration error \d+ %/);
  await expect(page.getByTestId('trajectory-legend')).toContainText('Success rate');
  await expect(page.getByTestId('trajectory-legend')).toContainText('Similarity threshold');
  await expect(page.getByTestId('trajectory-legend')).toContainText('Average quality');
  const reliability = page.getByTestId('reliability');
  await expect(reliability).toContainText('Does stated confidence come true?');
  await expect.poll(async () => Number(await reliability.getAttribute('data-bins'))).toBeGreaterThan(0);
  // Counts per bin add up to the verdicts that carry a confidence (the calibration counts every verdict).
  const counts = await page.getByTestId('reliability-bin').evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-n'))));
  expect(counts.reduce((a, b) => a + b, 0)).toBe(Number(await reliability.getAttribute('data-verdicts')));
  // Every score has a plain name and a tooltip.
  const experiences = page.getByTestId('experiences');
  for (const word of ['Confidence', 'Quality', 'Profitability', 'Risk', 'Timing', 'Consistency']) {
    const th = experiences.locator('th', { hasText: word });
    await expect(th).toBeVisible();
    expect((await th.getAttribute('title'))?.length ?? 0).toBeGreaterThan(20);
  }
  await expect(experiences.locator('tbody tr[data-judged="true"]').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/view-learning-trajectory.png' });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(errors).toEqual([]);
});

for (const tab of ['learning', 'backtest', 'swarm'] as const) {
  test(`the ${tab} view opens`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(host.url);
    await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
    await page.getByTestId(`tab-${tab}`).click();
    await expect(loaded[tab](page)).toBeVisible();
    if (tab === 'backtest') await expect(page.getByTestId('backtest-empty')).toContainText('No backtest open');
    await page.screenshot({ path: `test-results/view-${tab}.png` });
    await expect(page.getByTestId('error-banner')).toHaveCount(0);
    expect(errors).toEqual([]);
  });
}

test('a backtest runs in the app, replays and shows its metrics beside the learning twin', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-backtest').click();
  await page.getByRole('button', { name: 'Run backtest' }).click();
  await expect(page.getByRole('cell', { name: 'Sharpe', exact: true })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(/bar \d+ \/ \d+/)).toBeVisible();
  // Replay: it may already be playing after a run; pause, then step by hand.
  const pause = page.getByRole('button', { name: 'Pause' });
  if (await pause.isVisible()) await pause.click();
  const before = await page.getByText(/bar \d+ \/ \d+/).textContent();
  await page.getByRole('button', { name: 'step ▶' }).click();
  await expect(page.getByText(/bar \d+ \/ \d+/)).not.toHaveText(before ?? '');
  // Legends on both panes say whose trades are marked and which equity curve is which run.
  await expect(page.getByTestId('price-legend')).toContainText('US equity composite (daily, 1985-2006) · 1D · trades of the baseline run');
  await expect(page.getByTestId('price-legend')).toContainText('▲ long entry');
  await expect(page.getByTestId('equity-legend')).toContainText('Equity (starts at 1): ━ baseline ━ learning');
  // The metrics follow the replay position, with units.
  const position = /bar (\d+) \/ (\d+)/.exec((await page.getByTestId('replay-position').textContent()) ?? '')!;
  await expect(page.getByTestId('metrics-upto')).toContainText(`(bar ${position[1]} of ${position[2]})`);
  await expect(page.getByTestId('metrics-table')).toContainText(/Turnover\s*\d+\.\d×/);
  await expect(page.getByTestId('metrics-table')).toContainText(/Longest drawdown\s*\d+ bars? \((≈|none)/);
  // The learning run's trades on the chart and in the list.
  await page.getByTestId('markers-of').selectOption('twin');
  await expect(page.getByTestId('backtest-chart')).toHaveAttribute('data-markers-of', 'learning');
  await expect(page.getByTestId('price-legend')).toContainText('trades of the learning run');
  await expect(page.getByTestId('trades-table')).toContainText('Trades of the learning run');
  // The session is named with its data set, timeframe and dates.
  await expect(page.getByTestId('session-row').first()).toContainText(/^US equity composite \(daily, 1985-2006\) · 1D · \d{4}-\d\d-\d\d → 2006-\d\d-\d\d · W32 k10 H5 baseline/);
  await page.screenshot({ path: 'test-results/view-backtest-run.png' });
  // After a reload the last session opens again, at the position the replay was left.
  const left = await page.getByTestId('replay-position').textContent();
  await page.reload();
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-backtest').click();
  await expect(page.getByTestId('replay-position')).toHaveText(left ?? '', { timeout: 30_000 });
  await expect(page.getByTestId('price-legend')).toContainText('trades of the baseline run');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a cancelled backtest is a neutral message and leaves the open session as it was', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-backtest').click();
  // Open the session saved by the previous test.
  await page.locator('[data-testid="session-row"] .link').first().click();
  await expect(page.getByTestId('price-legend')).toBeVisible({ timeout: 30_000 });
  const opened = await page.locator('[data-testid="session-row"] .link').first().textContent();
  await page.getByTestId('backtest-dataset').selectOption({ label: 'USD/CHF (30 min, 1996-2001)' });
  await page.getByRole('button', { name: 'Run backtest' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('backtest-notice')).toHaveText('Backtest cancelled; nothing was saved.', { timeout: 30_000 });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await expect(page.getByTestId('price-legend')).toBeVisible();
  await page.screenshot({ path: 'test-results/view-backtest-cancelled.png' });
  expect(await page.locator('[data-testid="session-row"] .link').first().textContent()).toBe(opened);
  expect(errors).toEqual([]);
});

test('a sweep lists its jobs and loads the chosen parameters into the form; a grid that is not numbers is said', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-backtest').click();
  await expect(loaded.backtest(page)).toBeVisible({ timeout: 30_000 });
  await page.getByLabel('W values').fill('16,x');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('error-banner')).toContainText('Each grid axis must be a comma-separated list of numbers.');
  await page.getByLabel('W values').fill('16, 24');
  await page.getByLabel('k values').fill('10');
  await page.getByLabel('H values').fill('5');
  await page.getByLabel('Thresholds').fill('0.7');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByRole('button', { name: 'Sweep results (2)' })).toHaveClass(/on/, { timeout: 60_000 });
  await expect(page.getByText('Validation Sharpe, k=10, H=5')).toBeVisible();
  // The heat map cell of W 24 at threshold 0.7 loads those parameters into the run form.
  await page.locator('table.heat tbody tr').filter({ hasText: /^24/ }).getByRole('button').click();
  await expect(page.getByLabel('W', { exact: true })).toHaveValue('24');
  await expect(page.getByLabel('Threshold', { exact: true })).toHaveValue('0.7');
  await page.screenshot({ path: 'test-results/view-backtest-sweep.png' });
  expect(errors).toEqual([]);
});

test('the replay plays and pauses, jumps to a date (a wrong one is said), and deleting the open session empties the view', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-backtest').click();
  await expect(loaded.backtest(page)).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('backtest-dataset').selectOption({ label: 'US equity composite (daily, 1985-2006)' });
  await page.getByRole('button', { name: 'Run backtest' }).click();
  await expect(page.getByTestId('metrics-upto')).toBeVisible({ timeout: 60_000 });
  const sessionsBefore = await page.getByTestId('session-row').count();
  const bar = async (): Promise<number> => Number(/bar (\d+) \//.exec((await page.getByTestId('replay-position').textContent()) ?? '')?.[1]);
  const start = await bar();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await expect.poll(bar, { timeout: 30_000 }).toBeGreaterThan(start);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible();
  // Jump: the position, the metrics and the trade list follow the date.
  await page.getByPlaceholder('YYYY-MM-DD').fill('2000-01-03');
  await page.getByRole('button', { name: 'Jump' }).click();
  await expect(page.getByTestId('replay-position')).toContainText('2000-01-03 · bar');
  await expect(page.getByTestId('metrics-upto')).toContainText('up to 2000-01-03');
  await page.getByPlaceholder('YYYY-MM-DD').fill('2000-13-45');
  await page.getByPlaceholder('YYYY-MM-DD').press('Enter');
  await expect(page.getByTestId('error-banner')).toContainText('"2000-13-45" is not a date: write it as YYYY-MM-DD.');
  await expect(page.getByTestId('replay-position')).toContainText('2000-01-03 · bar');
  // Deleting the open session clears the chart and the tables and shows the empty state.
  await page.getByTestId('session-row').first().getByTitle('Delete this session').click();
  await expect(page.getByTestId('session-row')).toHaveCount(sessionsBefore - 1);
  await expect(page.getByTestId('backtest-empty')).toContainText('No backtest open');
  await expect(page.getByTestId('price-legend')).toHaveCount(0);
  await expect(page.getByTestId('metrics-table')).toHaveCount(0);
  await expect(page.getByTestId('backtest-chart')).toHaveAttribute('data-markers-of', '');
  expect(errors).toEqual([]);
});

test('hosting a swarm from the app starts a coordinator and shows how to join it', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-swarm').click();
  await page.getByRole('button', { name: 'Host', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Stop hosting' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(/\/ip4\/127\.0\.0\.1\/udp\/\d+\/quic-v1/).first()).toBeVisible();

  // The join line is shown with a copy button, and the open token survives a reload of the view.
  const joinLine = page.getByTestId('join-line');
  await expect(joinLine).toContainText(/^warpdesk agent --join \/ip4\/127\.0\.0\.1\/udp\/\d+\/quic-v1\/p2p\/\S+ .*--token \S+$/);
  await expect(page.getByTestId('copy-join')).toHaveText('Copy');
  const line = (await joinLine.textContent())!.trim();
  await page.reload();
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  await page.getByTestId('tab-swarm').click();
  await expect(page.getByTestId('join-line')).toHaveText(line);
  await page.getByTestId('copy-join').click();
  await expect(page.getByTestId('copy-join')).toHaveText('Copied');
  await page.screenshot({ path: 'test-results/view-swarm-join-line.png' });

  // A headless agent runs exactly that line, and the app lists it with its transport; the used token disappears.
  const args = line.split(/\s+/).slice(2);
  const agentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-e2e-agent-'));
  const agent = spawn(process.execPath, [path.resolve(__dirname, '../bin/warpdesk.cjs'), 'agent', ...args, '--data-dir', agentDir], { stdio: 'ignore' });
  try {
    await expect(page.getByText('Agents (1 connected)')).toBeVisible({ timeout: 45_000 });
    await expect(page.getByRole('cell', { name: 'quic', exact: true }).first()).toBeVisible();
    await expect(page.getByTestId('join-line')).toHaveCount(0);
    await expect(page.getByTestId('token-info')).toContainText('No open enrollment token');
    // A sharded search over the agent lists its analogs by date, not by bar index.
    await page.getByRole('button', { name: 'Search on the swarm' }).click();
    const results = page.getByTestId('swarm-search-results');
    await expect(results.locator('tbody tr').first()).toBeVisible({ timeout: 45_000 });
    await expect(results.locator('tbody tr').first().locator('td').first()).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
    await page.screenshot({ path: 'test-results/view-swarm-hosting.png' });
  } finally {
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    fs.rmSync(agentDir, { recursive: true, force: true });
  }
  await page.getByRole('button', { name: 'Stop hosting' }).click();
  await expect(page.getByRole('button', { name: 'Host', exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('Learn from history on the daily sample fills the Learning view with judged experiences and a trajectory', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
  // Open the Learning view first: it must refresh itself (on memory:changed) while the learn runs elsewhere.
  await page.getByTestId('tab-learning').click();
  const facts = page.getByTestId('trajectory-facts');
  await expect(facts).toBeVisible();
  const before = Number(await facts.getAttribute('data-verdicts'));

  await page.getByTestId('tab-analogs').click();
  await page.getByTestId('learn-open').click();
  const panel = page.getByTestId('learn-panel');
  await expect(panel).toContainText('Learn from history of');
  // Defaults: the current timeframe, window 32, top 10, horizon 5, step 1; a large step keeps this quick.
  await expect(panel.getByTestId('learn-timeframe')).toHaveValue('1D');
  await expect(panel.getByLabel('Window')).toHaveValue('32');
  await expect(panel.getByLabel('Top')).toHaveValue('10');
  await expect(panel.getByLabel('Horizon')).toHaveValue('5');
  await expect(panel.getByLabel('Step')).toHaveValue('1');
  await panel.getByLabel('Step').fill('20');
  await panel.getByTestId('learn-start').click();
  const result = panel.getByTestId('learn-result');
  await expect(result).toContainText('decisions', { timeout: 60_000 });
  await expect(result).toContainText(/\d+ judged/);
  expect(Number(await result.getAttribute('data-judged'))).toBeGreaterThan(0);
  await expect(panel.getByTestId('learn-start')).toBeEnabled();

  // The Learning view (already mounted) shows the new verdicts, a trajectory and judged rows with four scores.
  await panel.getByRole('button', { name: 'Open the Learning view' }).click();
  await expect(page.getByTestId('learning-view')).toBeVisible();
  await expect.poll(async () => Number(await facts.getAttribute('data-verdicts')), { timeout: 30_000 }).toBeGreaterThan(before);
  await expect.poll(async () => Number(await facts.getAttribute('data-points'))).toBeGreaterThan(1);
  await expect(page.getByTestId('pattern-type')).toHaveValue('analog:1D');
  const judged = page.getByTestId('experiences').locator('tbody tr[data-judged="true"]');
  await expect(judged.first()).toBeVisible();
  await page.screenshot({ path: 'test-results/view-learning-from-history.png' });

  // A long learn (30-minute bars, step 1) shows its progress and stops on Cancel, keeping what was committed.
  await page.getByTestId('tab-analogs').click();
  await page.getByTestId('dataset-select').selectOption({ label: 'USD/CHF (30 min, 1996-2001)' });
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '62496', { timeout: 30_000 });
  await expect(panel.getByTestId('learn-timeframe')).toHaveValue('30m');
  await panel.getByLabel('Step').fill('1');
  await panel.getByTestId('learn-start').click();
  await expect(panel.getByTestId('learn-progress')).toHaveAttribute('data-phase', /^(search|learn)$/, { timeout: 30_000 });
  await expect(page.getByTestId('learn-open')).toBeDisabled();
  await panel.getByTestId('learn-cancel').click();
  await expect(result).toContainText('Stopped', { timeout: 30_000 });
  await expect(panel.getByTestId('learn-start')).toBeEnabled();
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(errors).toEqual([]);
});
