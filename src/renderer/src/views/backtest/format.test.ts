// The Backtest view's helpers: a typed sweep grid axis reads back as the numbers written, and the run whose
// trades are marked is the twin only when asked for and present.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Session } from '../../../../shared/contract';
import { RUN_COLORS, markedRun, parseList } from './format';

describe('parseList', () => {
  it('reads back any list of whole numbers however it is spaced, empty items skipped', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 12 }), fc.array(fc.constantFrom('', ' ', '  ', ', '), { minLength: 12, maxLength: 12 }), (xs, pads) => {
        const text = xs.map((x, i) => `${pads[i]}${x} `).join(',');
        expect(parseList(text, true)).toEqual(xs);
        expect(parseList(text, false)).toEqual(xs);
      }),
    );
  });

  it('reads back finite decimals, and refuses them where whole numbers are asked for', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 }), (xs) => {
        const text = xs.map(String).join(',');
        expect(parseList(text, false)).toEqual(xs.map((x) => Number(String(x))));
        expect(parseList(text, true)).toEqual(xs.every((x) => Number.isInteger(x)) ? xs.map((x) => Number(String(x))) : null);
      }),
    );
  });

  it('refuses an empty list and any item that is not a number', () => {
    expect(parseList('', true)).toBeNull();
    expect(parseList(' , ,', false)).toBeNull();
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 5 }), fc.constantFrom('x', '1e', 'Infinity', 'NaN', '0x', '--1'), fc.nat(5), (xs, bad, at) => {
        const items = xs.map(String);
        items.splice(Math.min(at, items.length), 0, bad);
        expect(parseList(items.join(','), false)).toBeNull();
      }),
    );
  });
});

describe('markedRun', () => {
  const run = (learning: boolean) => ({ params: { learning } }) as unknown as Session['result'];
  const session = (twin: boolean): Session => ({ result: run(false), compare: twin ? run(true) : null }) as unknown as Session;

  it('is the main run unless the twin is asked for and the session has one', () => {
    expect(markedRun(null, 'main')).toBeNull();
    for (const twin of [false, true]) {
      const s = session(twin);
      expect(markedRun(s, 'main')).toEqual({ run: s.result, color: RUN_COLORS.main });
      expect(markedRun(s, 'twin')).toEqual(twin ? { run: s.compare, color: RUN_COLORS.twin } : { run: s.result, color: RUN_COLORS.main });
    }
  });
});
