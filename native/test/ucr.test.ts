/**
 * 1-NN classification error with DTW on five UCR archive data sets (fixtures/ucr, see SOURCE.md) must equal
 * the published counts: z-normalised series, squared cost, r = ceil(w/100 * L), ties to the first training
 * series. Runs on the native backend when it loads (the reference otherwise, on the smaller sets).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zNormalizeInto } from '../../src/shared/numerics';
import { createReferenceEngine } from '../../src/main/engine/reference';
import { createNativeEngine } from '../../src/main/engine/native-adapter';
import type { NativeBinding } from '../../src/main/engine/native-types';
import { isNative, native } from './helpers';

interface Split {
  labels: number[];
  flat: Float64Array;
  length: number;
}

function load(name: string, split: 'TRAIN' | 'TEST'): Split {
  const text = fs.readFileSync(path.join(__dirname, 'fixtures', 'ucr', `${name}_${split}.tsv`), 'utf8');
  const rows = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const length = rows[0]!.length - 1;
  const flat = new Float64Array(rows.length * length);
  rows.forEach((r, i) => zNormalizeInto(r.slice(1), flat, i * length));
  return { labels: rows.map((r) => r[0]!), flat, length };
}

const cases = [
  { name: 'Chinatown', w: 0, errors: [16, 16, 15] },
  { name: 'ECG200', w: 0, errors: [12, 12, 23] },
  { name: 'GunPoint', w: 0, errors: [13, 13, 14] },
  { name: 'ItalyPowerDemand', w: 0, errors: [46, 46, 51] },
  { name: 'SyntheticControl', w: 6, errors: [36, 5, 2] },
];

const engine = isNative ? createNativeEngine(native as unknown as NativeBinding) : createReferenceEngine();

function errors(train: Split, test: Split, window: number | undefined): number {
  const L = train.length;
  let wrong = 0;
  for (let t = 0; t < test.labels.length; t++) {
    const d = engine.dtwBatch(test.flat.subarray(t * L, t * L + L), train.flat, { window });
    let best = 0;
    for (let i = 1; i < d.length; i++) if (d[i]! < d[best]!) best = i;
    if (train.labels[best] !== test.labels[t]) wrong++;
  }
  return wrong;
}

describe(`UCR 1-NN error counts (${engine.backend} backend)`, () => {
  for (const c of cases) {
    const heavy = c.name === 'GunPoint' || c.name === 'SyntheticControl' || c.name === 'ECG200';
    it.skipIf(!isNative && heavy)(`${c.name}: ED, DTW learned window (${c.w}%), DTW full`, () => {
      const train = load(c.name, 'TRAIN');
      const test = load(c.name, 'TEST');
      const r = Math.ceil((c.w / 100) * train.length);
      expect([errors(train, test, 0), errors(train, test, r), errors(train, test, undefined)]).toEqual(c.errors);
    });
  }

  it('the reference engine agrees on ItalyPowerDemand (full window)', () => {
    const train = load('ItalyPowerDemand', 'TRAIN');
    const test = load('ItalyPowerDemand', 'TEST');
    const ref = createReferenceEngine();
    let wrong = 0;
    const L = train.length;
    for (let t = 0; t < test.labels.length; t++) {
      const d = ref.dtwBatch(test.flat.subarray(t * L, t * L + L), train.flat);
      let best = 0;
      for (let i = 1; i < d.length; i++) if (d[i]! < d[best]!) best = i;
      if (train.labels[best] !== test.labels[t]) wrong++;
    }
    expect(wrong).toBe(51);
  });
});
