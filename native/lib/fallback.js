// Plain-JavaScript stand-in for the addon's low-level API, used by native/index.js when the binary can't
// load. Same signatures, same numeric conventions (see README.md), exact answers, no SIMD and no threads;
// the "async" jobs run in setImmediate slices. The app itself falls back to the TypeScript reference
// engine in src/main/engine (the test oracle); this file only keeps `require('./native')` usable.
'use strict';

const INF = Infinity;
function codeError(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}
function arr(x, name) {
  if (!(x instanceof Float64Array || x instanceof Float32Array)) throw codeError('InvalidInput', `The ${name} must be a Float32Array or Float64Array.`);
  if (x.length === 0) throw codeError('InvalidInput', `The ${name} must not be empty.`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw codeError('NonFinite', `The ${name} contains a non-finite value at index ${i}.`);
  return x;
}
function win(w, n, m) {
  if (typeof w !== 'number' || !Number.isInteger(w) || w < -1) throw codeError('InvalidInput', 'The window must be a whole number of samples >= 0 (or -1 for full).');
  const mx = Math.max(n, m);
  if (w < 0 || w > mx) w = mx;
  return Math.max(w, Math.abs(n - m));
}
function dtwRaw(a, b, w, absolute) {
  const n = a.length, m = b.length;
  let prev = new Float64Array(m + 1).fill(INF), cur = new Float64Array(m + 1).fill(INF);
  prev[0] = 0;
  for (let i = 1; i <= n; i++) {
    const jlo = Math.max(1, i - w), jhi = Math.min(m, i + w);
    cur[jlo - 1] = INF;
    const ai = a[i - 1];
    for (let j = jlo; j <= jhi; j++) {
      const d = ai - b[j - 1];
      let best = prev[j - 1];
      if (prev[j] < best) best = prev[j];
      if (cur[j - 1] < best) best = cur[j - 1];
      cur[j] = (absolute ? Math.abs(d) : d * d) + best;
    }
    if (jhi + 1 <= m) cur[jhi + 1] = INF;
    const t = prev; prev = cur; cur = t;
  }
  return prev[m];
}
function dtw(a, b, w, absolute) {
  arr(a, 'first series'); arr(b, 'second series');
  return dtwRaw(a, b, win(w, a.length, b.length), !!absolute);
}
function dtwPath(a, b, w, absolute) {
  arr(a, 'first series'); arr(b, 'second series');
  const n = a.length, m = b.length, W = m + 1;
  if ((n + 1) * (m + 1) > 2 ** 25) throw codeError('TooLarge', 'A warping path for these lengths needs too much memory.');
  w = win(w, n, m);
  const D = new Float64Array((n + 1) * W).fill(INF);
  D[0] = 0;
  for (let i = 1; i <= n; i++)
    for (let j = Math.max(1, i - w); j <= Math.min(m, i + w); j++) {
      const d = a[i - 1] - b[j - 1];
      D[i * W + j] = (absolute ? Math.abs(d) : d * d) + Math.min(D[(i - 1) * W + j - 1], D[(i - 1) * W + j], D[i * W + j - 1]);
    }
  const p = [];
  let i = n, j = m;
  while (i > 0 && j > 0) {
    p.push(j - 1, i - 1);
    if (i === 1 && j === 1) break;
    const dg = D[(i - 1) * W + j - 1], up = D[(i - 1) * W + j], lf = D[i * W + j - 1];
    if (dg <= up && dg <= lf) { i--; j--; } else if (up <= lf) i--; else j--;
  }
  return { distance: D[n * W + m], path: Int32Array.from(p.reverse()) };
}
function dtwBatch(q, c, w, absolute) {
  arr(q, 'query'); arr(c, 'candidates');
  if (c.length % q.length) throw codeError('InvalidDimensions', 'The candidates are not a whole number of queries long.');
  const m = q.length, out = new Float64Array(c.length / m), ew = win(w, m, m);
  for (let i = 0; i < out.length; i++) out[i] = dtwRaw(q, c.subarray(i * m, i * m + m), ew, !!absolute);
  return out;
}
function dtwMulti(a, b, ch, w, absolute) {
  arr(a, 'first series'); arr(b, 'second series');
  if (!Number.isInteger(ch) || ch < 1) throw codeError('InvalidInput', 'The channels must be a whole number >= 1.');
  if (a.length % ch || b.length % ch) throw codeError('InvalidDimensions', 'The series lengths are not multiples of the channel count.');
  const n = a.length / ch, m = b.length / ch;
  w = win(w, n, m);
  let prev = new Float64Array(m + 1).fill(INF), cur = new Float64Array(m + 1).fill(INF);
  prev[0] = 0;
  for (let i = 1; i <= n; i++) {
    const jlo = Math.max(1, i - w), jhi = Math.min(m, i + w);
    cur[jlo - 1] = INF;
    for (let j = jlo; j <= jhi; j++) {
      let c = 0;
      for (let k = 0; k < ch; k++) { const d = a[(i - 1) * ch + k] - b[(j - 1) * ch + k]; c += absolute ? Math.abs(d) : d * d; }
      cur[j] = c + Math.min(prev[j - 1], prev[j], cur[j - 1]);
    }
    if (jhi + 1 <= m) cur[jhi + 1] = INF;
    const t = prev; prev = cur; cur = t;
  }
  return prev[m];
}
function* searchGen(s, q, w, k, z, excl) {
  arr(s, 'series'); arr(q, 'query');
  const m = q.length;
  if (m > s.length) throw codeError('InvalidDimensions', 'The query is longer than the series.');
  if (!Number.isInteger(k) || k < 1) throw codeError('InvalidInput', 'The k must be a whole number >= 1.');
  w = w < 0 ? m : Math.min(w, m);
  if (excl === undefined) excl = Math.floor(m / 2);
  const stats = (x, s0) => { let sum = 0, sq = 0; for (let j = 0; j < m; j++) { sum += x[s0 + j]; sq += x[s0 + j] * x[s0 + j]; } return [sum, sq]; };
  const fin = (sum, sq) => { const mean = sum / m, v = sq / m - mean * mean, sd = v > 0 ? Math.sqrt(v) : 0; return { mean, sd, flat: !(sd > 1e-6 * Math.abs(mean)) || sd === 0 }; };
  const qn = new Float64Array(m);
  if (z === false) qn.set(q); else { const [a, b] = stats(q, 0); const st = fin(a, b); if (!st.flat) for (let j = 0; j < m; j++) qn[j] = (q[j] - st.mean) / st.sd; }
  const c = new Float64Array(m), cands = [];
  let sum = 0, sq = 0;
  for (let s0 = 0; s0 + m <= s.length; s0++) {
    if (s0 % 64 === 0) [sum, sq] = stats(s, s0);
    else { const xn = s[s0 + m - 1], xo = s[s0 - 1]; sum += xn - xo; sq += xn * xn - xo * xo; }
    const st = fin(sum, sq);
    for (let j = 0; j < m; j++) c[j] = z === false ? s[s0 + j] : st.flat ? 0 : (s[s0 + j] - st.mean) / st.sd;
    cands.push({ index: s0, distance: dtwRaw(qn, c, w, false) });
    if (s0 % 256 === 255) yield s0 / (s.length - m + 1);
  }
  cands.sort((x, y) => x.distance - y.distance || x.index - y.index);
  const out = [];
  for (const cd of cands) {
    if (out.length >= k) break;
    if (out.every((o) => Math.abs(o.index - cd.index) > excl)) out.push(cd);
  }
  return out;
}
function lcss(a, b, eps, delta) {
  arr(a, 'first series'); arr(b, 'second series');
  if (typeof eps !== 'number' || !(eps >= 0)) throw codeError('InvalidInput', 'The epsilon must be a number >= 0.');
  if (delta === undefined || delta < 0) delta = Infinity;
  const n = a.length, m = b.length;
  let prev = new Int32Array(m + 1), cur = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++)
      cur[j] = Math.abs(i - j) <= delta && Math.abs(a[i - 1] - b[j - 1]) <= eps ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    const t = prev; prev = cur; cur = t;
  }
  return prev[m] / Math.min(n, m);
}
function* lcssGen(list, eps, delta) {
  if (!Array.isArray(list) || list.length === 0) throw codeError('InvalidInput', 'The series list must be a non-empty array.');
  const n = list.length, out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) out[i * n + j] = out[j * n + i] = lcss(list[i], list[j], eps, delta);
    yield (i + 1) / n;
  }
  return out;
}
function runSync(gen) {
  for (;;) { const r = gen.next(); if (r.done) return r.value; }
}
function job(gen) {
  let cancelled = false, fraction = 0;
  const promise = new Promise((resolve, reject) => {
    const tick = () => {
      if (cancelled) return reject(codeError('Cancelled', 'The engine job was cancelled.'));
      try {
        const t0 = Date.now();
        while (Date.now() - t0 < 8) { const r = gen.next(); if (r.done) { fraction = 1; return resolve(r.value); } fraction = r.value; }
      } catch (e) { return reject(e); }
      setImmediate(tick);
    };
    setImmediate(tick);
  });
  return { promise, cancel: () => { cancelled = true; }, progress: () => fraction };
}
module.exports = {
  simdLevel: () => 'js',
  availableLevels: () => ['js'],
  setSimdLevel: (l) => { if (l !== 'js') throw codeError('InvalidInput', `The SIMD level '${l}' is not available (JavaScript fallback).`); return 'js'; },
  threads: () => 1,
  setThreads: () => 1,
  simdNote: '',
  dtw, dtwPath, dtwBatch, dtwMulti, lcss,
  dtwBatchAsync: (q, c, w, abs) => job((function* () { return dtwBatch(q, c, w, abs); })()),
  searchTopK: (s, q, w, k, z, e) => runSync(searchGen(s, q, w, k, z, e)),
  searchTopKAsync: (s, q, w, k, z, e) => { const g = searchGen(s, q, w, k, z, e); return job(g); },
  lcssMatrix: (list, eps, delta) => runSync(lcssGen(list, eps, delta)),
  lcssMatrixAsync: (list, eps, delta) => job(lcssGen(list, eps, delta)),
};
