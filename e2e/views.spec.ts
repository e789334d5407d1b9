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
