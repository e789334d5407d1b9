/**
 * Issue 11, done when: the same series written as ISO, DD/MM/YYYY, a German Excel export, newest first, a Yahoo
 * file with null rows and one column of a multi-column file gives identical analogs from `warpdesk search --json`.
 * Also: `--columns` and `--date-order` on the commands that read a file, with errors that name the flags.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBars } from '../main/data';
import { FORMATS } from '../main/data/testing/formats';
import { runCli } from './main';

const root = path.resolve(__dirname, '../..');
const sample = path.join(root, 'resources/data/ttrc_daily.csv');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-cli-import-'));
process.env['WARPDESK_DATA_DIR'] = path.join(tmp, 'workspace');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), interactive: false });
  return { code, out, err };
}

const SHAPES: Array<{ format: string; flags: string[] }> = [
  { format: 'ISO generic', flags: [] },
  { format: 'DD/MM/YYYY', flags: [] }, // the days after the 12th decide the order: no flag needed
  { format: 'German Excel (BOM, CRLF, ;, decimal comma, DD.MM.YYYY)', flags: [] },
  { format: 'newest first', flags: [] },
  { format: 'Yahoo with null rows', flags: [] },
  { format: 'one column of a multi-column file', flags: ['--columns', 'close=SMI'] },
];

describe('the same series in every shape gives the same analogs (issue 11)', () => {
  const bars = loadBars(sample);
  const files = SHAPES.map(({ format, flags }, i) => {
    const f = FORMATS.find((x) => x.name === format)!;
    const file = path.join(tmp, `series-${i}.csv`);
    fs.writeFileSync(file, f.write(bars));
    return { format, file, flags };
  });

  it('warpdesk search --json returns identical analogs, forecast and decision for all six files', async () => {
    const results = [];
    for (const { format, file, flags } of files) {
      const r = await cli(['search', '--data', file, ...flags, '--length', '32', '--top', '10', '--horizon', '5', '--end', '2001-09-10', '--json']);
      expect(r.code, `${format}: ${r.err}`).toBe(0);
      const j = JSON.parse(r.out) as Record<string, unknown> & { read: { skippedRows: number; reversed: boolean } };
      results.push({ format, j });
    }
    const pick = (j: Record<string, unknown>): unknown => ({
      timeframe: j['timeframe'],
      queryStart: j['queryStart'],
      queryEnd: j['queryEnd'],
      candidates: j['candidates'],
      analogs: j['analogs'],
      forecast: j['forecast'],
      decision: j['decision'],
    });
    const reference = pick(results[0]!.j);
    expect((reference as { analogs: unknown[] }).analogs).toHaveLength(10);
    for (const { format, j } of results.slice(1)) expect(pick(j), format).toEqual(reference);
    // Each adjustment is reported.
    expect(results[3]!.j.read.reversed).toBe(true);
    expect(results[4]!.j.read.skippedRows).toBeGreaterThan(1000);
  }, 60_000);

  it('the text output says what was adjusted', async () => {
    const r = await cli(['search', '--data', files[3]!.file, '--length', '32', '--top', '3', '--end', '2001-09-10']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('The file lists the newest bar first; its rows were reversed.');
  });
});

describe('--columns and --date-order', () => {
  const multi = path.join(tmp, 'multi.csv');
  const ambiguous = path.join(tmp, 'ambiguous.csv');
  const rows = Array.from({ length: 60 }, (_, i) => {
    const d = new Date(Date.UTC(2001, 0, 1) + i * 86_400_000 * 7);
    return { d, dax: 6000 + 50 * Math.sin(i / 3), smi: 8000 + 70 * Math.cos(i / 5) };
  });
  fs.writeFileSync(multi, ['date,DAX,SMI', ...rows.map((r) => `${r.d.toISOString().slice(0, 10)},${r.dax.toFixed(2)},${r.smi.toFixed(2)}`)].join('\n') + '\n');
  // Day and month both at most 12 in every row: the file cannot tell the order.
  fs.writeFileSync(
    ambiguous,
    ['Date,Close', ...Array.from({ length: 12 }, (_, m) => Array.from({ length: 12 }, (_, d) => `${String(d + 1).padStart(2, '0')}/${String(m + 1).padStart(2, '0')}/2001,${100 + m + d / 100}`)).flat()].join('\n') + '\n',
  );

  it('a multi-column file without --columns is refused with the columns and the flag', async () => {
    const r = await cli(['search', '--data', multi, '--length', '8', '--top', '3']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no close column.*choose which of DAX, SMI to use \(`--columns close=NAME`/);
  });

  it('every command that reads a file takes --columns', async () => {
    expect((await cli(['search', '--data', multi, '--columns', 'close=SMI', '--length', '8', '--top', '3'])).code).toBe(0);
    expect((await cli(['search', '--data', multi, '--columns', 'close=2', '--length', '8', '--top', '3'])).code).toBe(0);
    expect((await cli(['backtest', '--data', multi, '--columns', 'close=DAX', '--window', '6', '--top', '3', '--horizon', '2', '--json'])).code).toBe(0);
    expect((await cli(['learn', '--data', multi, '--columns', 'close=DAX', '--window', '6', '--top', '3', '--horizon', '2', '--data-dir', path.join(tmp, 'learn'), '--json'])).code).toBe(0);
    const sweep = await cli(['sweep', '--data', multi, '--columns', 'close=SMI', '--window', '6', '--top', '3', '--horizon', '2', '--threshold', '0.6', '--emit-jobs']);
    expect(sweep.code).toBe(0);
    expect(JSON.parse(sweep.out)[0].csv).toEqual({ columns: { close: 'SMI' } });
  });

  it('bad --columns are usage errors that say what is expected', async () => {
    const bad = await cli(['search', '--data', multi, '--columns', 'price=SMI']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/"price" is not a role; use date, time, open, high, low, close, volume/);
    const missing = await cli(['search', '--data', multi, '--columns', 'close=CAC', '--length', '8']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/There is no column "CAC" for close; the file's columns are date, DAX, SMI/);
  });

  it('ambiguous dates name --date-order, and the flag settles them', async () => {
    const r = await cli(['search', '--data', ambiguous, '--length', '8', '--top', '3']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--date-order dmy or --date-order mdy/);
    const dmy = await cli(['search', '--data', ambiguous, '--date-order', 'dmy', '--length', '8', '--top', '3', '--json']);
    expect(dmy.code).toBe(0);
    expect(JSON.parse(dmy.out).queryEnd).toBe(Date.UTC(2001, 11, 12));
    const mdy = await cli(['search', '--data', ambiguous, '--date-order', 'mdy', '--length', '8', '--top', '3', '--json']);
    // Read month first, 02/01/2001 (line 3) is February 1st, and 03/01/2001 comes after it: the rows are then out of order.
    expect(mdy.code).toBe(1);
    expect(mdy.err).toMatch(/Line 14: the time 2001-01-02 breaks the order of the rows/);
    expect((await cli(['search', '--data', ambiguous, '--date-order', 'ymd'])).err).toMatch(/--date-order must be dmy .* or mdy/);
  });
});
