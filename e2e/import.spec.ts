// The import dialog in a browser: a multi-column file where the user picks one series (SMI as close), a
// DD/MM/YYYY file whose day/month order must be chosen before Import is enabled, and the same content imported
// again, which is said with "Open existing data set". Fixtures: e2e/fixtures/ (node e2e/fixtures/generate.mjs).
// Waits are on conditions, never on time.
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { startHost, type RunningHost } from './host';

const MULTI = path.resolve(__dirname, 'fixtures/multi-column.csv');
const DMY = path.resolve(__dirname, 'fixtures/ambiguous-dmy.csv');

let host: RunningHost;
test.beforeAll(async () => {
  host = await startHost();
});
test.afterAll(async () => {
  await host.stop();
});

async function openApp(page: Page): Promise<void> {
  await page.goto(host.url);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', /\d+/);
}

const role = (page: Page, column: string) => page.locator(`[data-testid="import-role"][data-column="${column}"]`);

test('import one column of a multi-column file, a DD/MM/YYYY file, and the same content again', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await openApp(page);
  const dialog = page.getByTestId('import-dialog');
  const confirm = page.getByTestId('import-confirm');
  const chart = page.getByTestId('price-chart');
  const selected = page.getByTestId('dataset-select').locator('option:checked');

  // date,DAX,SMI,CAC: the preview shows the rows and columns; no price column is picked, so Import waits.
  await page.getByTestId('import-input').setInputFiles(MULTI);
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('import-preview').locator('tbody tr')).toHaveCount(12);
  await expect(page.getByTestId('import-preview').locator('thead')).toContainText('SMI');
  await expect(page.getByTestId('import-delimiter')).toHaveValue(',');
  await expect(page.getByTestId('import-decimal')).toHaveValue('.');
  await expect(role(page, 'date')).toHaveValue('date');
  await expect(role(page, 'SMI')).toHaveValue('');
  await expect(page.getByTestId('import-error')).toBeVisible();
  await expect(confirm).toBeDisabled();

  // SMI as the close: re-previewed, 400 closes from 2015-01-05.
  await role(page, 'SMI').selectOption('close');
  await expect(role(page, 'SMI')).toHaveValue('close');
  await expect(role(page, 'DAX')).toHaveValue('');
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-bars', '400');
  await expect(page.getByTestId('import-result')).toContainText('400 bars from 2015-01-05');
  await expect(page.getByTestId('import-result')).toContainText('closes only');
  await page.getByTestId('import-name').fill('SMI daily');
  await page.screenshot({ path: 'test-results/import-dialog.png' });
  await expect(confirm).toBeEnabled();
  await confirm.click();
  await expect(dialog).toHaveCount(0);
  await expect(selected).toHaveText('SMI daily');
  await expect(chart).toHaveAttribute('data-bars', '400');

  // A search runs on it.
  await page.getByTestId('last-n').fill('30');
  await page.getByTestId('use-last-n').click();
  await expect(page.getByTestId('query-info')).toContainText('Query: 30 bars');
  await page.getByLabel('Top k').fill('5');
  await page.getByTestId('run-search').click();
  await expect(page.getByTestId('match-row')).toHaveCount(5);

  // DD/MM/YYYY with no day after the 12th: the order is asked, and Import waits for it.
  await page.getByTestId('import-input').setInputFiles(DMY);
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('import-date-order')).toBeVisible();
  await expect(page.getByTestId('import-order-needed')).toBeVisible();
  await expect(role(page, 'Close')).toHaveValue('close');
  await expect(confirm).toBeDisabled();
  await page.screenshot({ path: 'test-results/import-dialog-date-order.png' });
  await page.getByTestId('date-order-dmy').check();
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-bars', '360');
  await expect(page.getByTestId('import-result')).toContainText('360 bars from 2001-01-01 to 2003-06-12');
  await expect(confirm).toBeEnabled();
  await confirm.click();
  await expect(dialog).toHaveCount(0);
  await expect(selected).toHaveText('ambiguous-dmy');
  await expect(chart).toHaveAttribute('data-bars', '360');

  // The same series again: the preview says so, Import is disabled and "Open existing data set" selects it.
  await page.getByTestId('import-input').setInputFiles(MULTI);
  await expect(dialog).toBeVisible();
  await role(page, 'SMI').selectOption('close');
  await expect(page.getByTestId('import-duplicate')).toContainText('already in the workspace as "SMI daily"');
  await expect(confirm).toBeDisabled();
  await page.screenshot({ path: 'test-results/import-dialog-duplicate.png' });
  await page.getByTestId('import-open-existing').click();
  await expect(dialog).toHaveCount(0);
  await expect(selected).toHaveText('SMI daily');
  await expect(chart).toHaveAttribute('data-bars', '400');

  // Another column of the same file is another series; Cancel closes without importing.
  await page.getByTestId('import-input').setInputFiles(MULTI);
  await role(page, 'CAC').selectOption('close');
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-bars', '400');
  await expect(page.getByTestId('import-duplicate')).toHaveCount(0);
  await page.getByTestId('import-cancel').click();
  await expect(dialog).toHaveCount(0);
  const names = await page.getByTestId('dataset-select').locator('option').allTextContents();
  expect(names.filter((n) => n === 'SMI daily')).toHaveLength(1);
  expect(names).not.toContain('multi-column');
  expect(errors).toEqual([]);
});
