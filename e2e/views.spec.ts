// Every capability's view opens in the browser host without errors; screenshots for the record.
import { expect, test } from '@playwright/test';
import { startHost, type RunningHost } from './host';

let host: RunningHost;
test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host.stop();
});

for (const tab of ['learning', 'backtest', 'swarm'] as const) {
  test(`the ${tab} view opens`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(host.url);
    await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
    await page.getByTestId(`tab-${tab}`).click();
    await page.waitForTimeout(1500);
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
  await page.screenshot({ path: 'test-results/view-backtest-run.png' });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  expect(errors).toEqual([]);
});
