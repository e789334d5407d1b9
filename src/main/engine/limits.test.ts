// Issue 12, attack 10 (big and odd inputs): an LCSS matrix is refused by its memory estimate, DTW overflow is a
// typed error instead of Infinity (both backends), and a CSV file over the limit is refused before reading.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CSV_FILE_BYTES, loadCsvFile } from '../data';
import { createReferenceEngine, loadNativeBinding, createNativeEngine, type PatternEngine } from '.';
import { MAX_MATRIX_BYTES } from './validate';

const engines: Array<[string, PatternEngine]> = [['reference', createReferenceEngine()]];
const native = loadNativeBinding();
if (native.binding) engines.push(['native', createNativeEngine(native.binding)]);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-limits-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(engines)('%s engine limits', (_name, engine) => {
  it('refuses an LCSS matrix by its memory estimate (16 bytes per cell) with TooLarge, sync and async', async () => {
    const n = Math.floor(Math.sqrt(MAX_MATRIX_BYTES / 16)) + 1;
    const list = Array.from({ length: n }, () => new Float64Array([1]));
    expect(codeOf(() => engine.lcssMatrix(list, { epsilon: 0.1 }))).toBe('TooLarge');
    await expect(engine.lcssMatrixAsync(list, { epsilon: 0.1 })).rejects.toMatchObject({ code: 'TooLarge', message: expect.stringMatching(/GiB .* allowed; use at most 8192 series/) });
    expect(Array.from(engine.lcssMatrix([new Float64Array([1, 2]), new Float64Array([1, 2])], { epsilon: 0.1 }))).toEqual([1, 1, 1, 1]);
  });

  it('gives NonFinite, not Infinity, when a DTW distance overflows', async () => {
    const big = new Float64Array([Number.MAX_VALUE, -Number.MAX_VALUE]);
    const neg = new Float64Array([-Number.MAX_VALUE, Number.MAX_VALUE]);
    expect(codeOf(() => engine.dtw(big, neg))).toBe('NonFinite');
    expect(codeOf(() => engine.dtw(big, neg, { path: true }))).toBe('NonFinite');
    expect(codeOf(() => engine.dtwBatch(big, neg))).toBe('NonFinite');
    await expect(engine.dtwBatchAsync(big, neg)).rejects.toMatchObject({ code: 'NonFinite' });
    expect(engine.dtw(big, big).distance).toBe(0);
  });
});

describe('CSV files over the size limit', () => {
  it('are refused before reading, with a sentence naming the limit', () => {
    // A sparse file: its size is over the limit but nothing was written (reading it would take seconds).
    const file = path.join(dir, 'huge.csv');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, MAX_CSV_FILE_BYTES + 1);
    expect(() => loadCsvFile(file)).toThrowError(/has 256 MiB, more than the 256 MiB Warpdesk reads at once/);
    expect(codeOf(() => loadCsvFile(file))).toBe('TooLarge');
    const small = path.join(dir, 'small.csv');
    fs.writeFileSync(small, 'time,close\n2020-01-01,1\n2020-01-02,2\n');
    expect(codeOf(() => loadCsvFile(small, undefined, 10))).toBe('TooLarge');
    expect(loadCsvFile(small).bars.close.length).toBe(2);
  });
});
