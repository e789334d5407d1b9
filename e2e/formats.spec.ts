// Issue 11, done when: the same series written as ISO, DD/MM/YYYY, a German Excel export, newest first, a Yahoo
// file with null rows and one column of a multi-column file gives identical analogs from the CLI and the app.
// Each file is imported through the app's import dialog into a fresh workspace (so no file is taken for a
// duplicate of another), searched with the CLI's defaults, and the analogs the app lists (start, end, distance)
// are compared with `warpdesk search --json` on the ISO file. Waits are on conditions, never on time.
import { expect, test, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadBars } from '../src/main/data';
import { FORMATS } from '../src/main/data/testing/formats';
import { startHost } from './host';

const root = path.resolve(__dirname, '..');
const SHAPES: Array<{ format: string; column?: string }> = [
  { format: 'ISO generic' },
  { format: 'DD/MM/YYYY' },
  { format: 'German Excel (BOM, CRLF, ;, decimal comma, DD.MM.YYYY)' },
  { format: 'newest first' },
  { format: 'Yahoo with null rows' },
  { format: 'one column of a multi-column file', column: 'SMI' },
];
const QUERY = { length: 32, top: 10, horizon: 5 };

interface Listed {
  startTime: number;
  endTime: number;
  distance: number;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-e2e-formats-'));
// The last 600 bars of the shipped daily sample: enough history for ten analogs, quick to import and search.
const full = loadBars(path.join(root, 'resources/data/ttrc_daily.csv'));
const from = full.time.length - 600;
const bars = {
  time: full.time.slice(from),
  open: full.open.slice(from),
  high: full.high.slice(from),
  low: full.low.slice(from),
  close: full.close.slice(from),
  volume: full.volume.slice(from),
};
const files = SHAPES.map(({ format, column }, i) => {
  const f = FORMATS.find((x) => x.name === format);
  if (!f) throw new Error(`no test format named ${format}`);
  const file = path.join(tmp, `series-${i}.csv`);
  fs.writeFileSync(file, f.write(bars));
  return { format, column, file };
});
test.afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cliAnalogs(file: string): Promise<Listed[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    path.join(root, 'bin', 'warpdesk.cjs'),
    'search',
    '--data',
    file,
    '--length',
    String(QUERY.length),
    '--top',
    String(QUERY.top),
    '--horizon',
    String(QUERY.horizon),
    '--data-dir',
    path.join(tmp, 'cli-workspace'),
    '--json',
  ]);
  const j = JSON.parse(stdout) as { analogs: Listed[] };
  return j.analogs.map((a) => ({ startTime: a.startTime, endTime: a.endTime, distance: a.distance }));
}

async function appAnalogs(page: Page, file: string, column: string | undefined): Promise<Listed[]> {
  await page.getByTestId('import-input').setInputFiles(file);
  await expect(page.getByTestId('import-dialog')).toBeVisible();
  if (column) await page.locator(`[data-testid="import-role"][data-column="${column}"]`).selectOption('close');
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-bars', String(bars.time.length));
  await expect(page.getByTestId('import-confirm')).toBeEnabled();
  await page.getByTestId('import-confirm').click();
  await expect(page.getByTestId('import-dialog')).toHaveCount(0);
  await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', String(bars.time.length));
  await page.getByTestId('last-n').fill(String(QUERY.length));
  await page.getByTestId('use-last-n').click();
  await expect(page.getByTestId('query-info')).toContainText(`Query: ${QUERY.length} bars`);
  await page.getByLabel('Top k').fill(String(QUERY.top));
  await page.getByLabel('Horizon').fill(String(QUERY.horizon));
  await page.getByTestId('run-search').click();
  const rows = page.getByTestId('match-row');
  await expect(rows).toHaveCount(QUERY.top);
  await expect(page.getByTestId('analog-gap-note')).toContainText('No two overlap');
  return rows.evaluateAll((trs) => trs.map((tr) => ({ startTime: Number(tr.getAttribute('data-start-time')), endTime: Number(tr.getAttribute('data-end-time')), distance: Number(tr.getAttribute('data-distance')) })));
}

test("six shapes of one series give the CLI's analogs in the app", async ({ browser }) => {
  test.setTimeout(240_000);
  const expected = await cliAnalogs(files[0]!.file);
  expect(expected).toHaveLength(QUERY.top);
  // Non-overlapping by default: starts sorted are more than the query length apart.
  const day = 86_400_000;
  const starts = expected.map((a) => a.startTime).sort((a, b) => a - b);
  for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(QUERY.length * day);
  for (const { format, column, file } of files) {
    const host = await startHost();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(host.url);
      await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', /\d+/);
      const listed = await appAnalogs(page, file, column);
      expect(listed, format).toEqual(expected);
      expect(errors, format).toEqual([]);
    } finally {
      await page.close();
      await host.stop();
    }
  }
});
