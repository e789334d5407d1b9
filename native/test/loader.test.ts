/** native/index.js without a loadable binary: backend 'js', the reason, and functions that throw code 'Unavailable'. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('native loader without the binary', () => {
  it('reports js with a reason; every API function throws Unavailable', () => {
    const entry = path.join(__dirname, '..', 'index.js');
    const script = `const n = require(${JSON.stringify(entry)});
let code = null, message = '';
try { n.dtw(new Float64Array([1]), new Float64Array([1]), -1, false); } catch (e) { code = e.code; message = e.message; }
console.log(JSON.stringify({ backend: n.backend, reason: n.reason, code, message, fns: ['searchTopK', 'lcssMatrixAsync', 'simdLevel'].map((f) => typeof n[f]) }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, WARPDESK_ENGINE: 'js', WARPDESK_QUIET_NATIVE: '1' }, encoding: 'utf8' }).trim()) as {
      backend: string;
      reason: string;
      code: string;
      message: string;
      fns: string[];
    };
    expect(out.backend).toBe('js');
    expect(out.reason).toMatch(/WARPDESK_ENGINE=js/);
    expect(out.code).toBe('Unavailable');
    expect(out.message).toMatch(/TypeScript reference/);
    expect(out.fns).toEqual(['function', 'function', 'function']);
  });
});
