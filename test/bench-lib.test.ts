/**
 * The bench regression table (bench/lib.ts): row matching across runs, the signed change of the compared
 * column, the noise margin, direction (lower- vs higher-is-better), lost targets, and the ✓/✗ cells. Pure
 * functions over two section JSONs; no benchmark runs here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHANGE_COLUMN, compareWithPrevious, defaultCompare, formatTable, keyColumns, reportSection, withChanges, withTarget, type BenchRow } from '../bench/lib';

const prevOf = (rows: BenchRow[], quick = false) => ({ section: 's', quick, rows, machine: { date: '2026-11-29T00:00:00Z' } });

describe('bench regression table', () => {
  it('marks a row slower only beyond the noise margin, and says faster below it', () => {
    const prev = prevOf([
      { case: 'a', 'ms (wall)': 100 },
      { case: 'b', 'ms (wall)': 100 },
      { case: 'c', 'ms (wall)': 100 },
    ]);
    const cur = {
      rows: [
        { case: 'a', 'ms (wall)': 125 },
        { case: 'b', 'ms (wall)': 105 },
        { case: 'c', 'ms (wall)': 50 },
      ],
    };
    const cmp = compareWithPrevious(cur, prev, 0.1);
    expect(cmp.rows.map((r) => r.cell)).toEqual(['+25.0% ▲ slower', '+5.0%', '-50.0% faster']);
    expect(cmp.rows.map((r) => r.regressed)).toEqual([true, false, false]);
    expect(cmp.regressions).toBe(1);
  });

  it('treats ratio columns as higher-is-better', () => {
    const rows = [{ case: 'a', impl: 'x', 'x TS': 10 }];
    expect(defaultCompare(rows)).toEqual([{ column: 'x TS', better: 'higher' }]);
    const cmp = compareWithPrevious({ rows: [{ case: 'a', impl: 'x', 'x TS': 8 }] }, prevOf(rows));
    expect(cmp.rows[0]!.regressed).toBe(true);
    expect(cmp.rows[0]!.cell).toBe('-20.0% ▼ worse');
  });

  it('matches rows by key, not by position, and widens the key until unique', () => {
    const rows: BenchRow[] = [
      { run: 'daily', search: 'sync', 'time s': 1 },
      { run: 'daily', search: 'async', 'time s': 2 },
      { run: 'fx', search: 'async', 'time s': 3 },
    ];
    expect(keyColumns(rows)).toEqual(['run', 'search']);
    const cur = { rows: [rows[2]!, { ...rows[1]!, 'time s': 4 }, rows[0]!, { run: 'new one', search: 'x', 'time s': 1 }] };
    const cmp = compareWithPrevious(cur, prevOf(rows));
    expect(cmp.rows.map((r) => r.change)).toEqual([0, 1, 0, null]);
    expect(cmp.rows[3]!.cell).toBe('new');
  });

  it('compares nothing when there is no previous run or it was a quick run', () => {
    const rows = [{ case: 'a', 'ms (wall)': 1 }];
    expect(compareWithPrevious({ rows }, undefined).skipped).toBe('no previous run');
    expect(compareWithPrevious({ rows }, prevOf(rows, true)).skipped).toBe('previous run was quick');
    expect(withChanges(rows, compareWithPrevious({ rows }, undefined))).toEqual(rows);
  });

  it('counts a lost target as a regression even when the compared value is within noise', () => {
    const prev = prevOf([{ run: 'r', 'time s': 29.5, target: '< 30 s', met: true }]);
    const cmp = compareWithPrevious({ rows: [{ run: 'r', 'time s': 30.5, target: '< 30 s', met: false }] }, prev);
    expect(cmp.rows[0]!.targetLost).toBe(true);
    expect(cmp.rows[0]!.regressed).toBe(false);
    expect(cmp.regressions).toBe(1);
    expect(cmp.rows[0]!.cell).toContain('target lost');
  });

  it('skips non-numeric cells and falls through to the next compared column', () => {
    const prev = prevOf([{ case: 'a', 'p50 ms': '', 'total ms': 200 }]);
    const cmp = compareWithPrevious({ rows: [{ case: 'a', 'p50 ms': '', 'total ms': 100 }] }, prev);
    expect(cmp.rows[0]!.column).toBe('total ms');
    expect(cmp.rows[0]!.change).toBe(-0.5);
  });

  it('property: change is (cur - prev) / prev and regressed iff it exceeds the margin the wrong way', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), (p, c, noise, lower) => {
        const col = lower ? 'time s' : 'x TS';
        const cmp = compareWithPrevious({ rows: [{ run: 'r', [col]: c }] }, prevOf([{ run: 'r', [col]: p }]), noise);
        const row = cmp.rows[0]!;
        const expected = (c - p) / p;
        expect(row.change).toBeCloseTo(expected, 9);
        expect(row.regressed).toBe(lower ? expected > noise : expected < -noise);
        expect(row.improved).toBe(lower ? expected < -noise : expected > noise);
        expect(row.regressed && row.improved).toBe(false);
        expect(cmp.regressions).toBe(row.regressed ? 1 : 0);
      }),
    );
  });

  it('prints target and met (✓/✗) last, then the change column', () => {
    const rows = [withTarget({ run: 'a', 'time s': 1 }, 1, 2, '< 2 s'), withTarget({ run: 'b', 'time s': 3 }, 3, 2, '< 2 s')];
    expect(rows.map((r) => r['met'])).toEqual([true, false]);
    const table = formatTable(withChanges(rows, compareWithPrevious({ rows }, prevOf(rows))));
    const [header, , first, second] = table.split('\n');
    expect(
      header!
        .split('|')
        .map((c) => c.trim())
        .filter(Boolean),
    ).toEqual(['run', 'time s', 'target', 'met', CHANGE_COLUMN]);
    expect(first).toContain('✓');
    expect(second).toContain('✗');
    expect(first).toContain('+0.0%');
  });

  it('reportSection reads the previous JSON from disk and logs the change column', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-bench-lib-'));
    try {
      const file = path.join(dir, 's.json');
      fs.writeFileSync(file, JSON.stringify(prevOf([{ case: 'a', 'median ms': 10 }])));
      const lines: string[] = [];
      const cmp = reportSection({ name: 's', rows: [{ case: 'a', 'median ms': 20 }] }, file, (l) => lines.push(l));
      expect(cmp.regressions).toBe(1);
      expect(lines.join('\n')).toContain('+100.0% ▲ slower');
      const missing: string[] = [];
      expect(reportSection({ name: 's', rows: [{ case: 'a', 'median ms': 20 }] }, path.join(dir, 'none.json'), (l) => missing.push(l)).skipped).toBe('no previous run');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
