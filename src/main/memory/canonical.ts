/**
 * Canonical JSON and SHA-256 for the audit chain: object keys sorted, no whitespace, only finite numbers,
 * strings/booleans/null/arrays/plain objects. The same value always yields the same bytes, in any process.
 * Object properties that are undefined are left out (as JSON.stringify does).
 * Must never: accept NaN, Infinity, functions or class instances (it throws instead).
 */
import { createHash } from 'node:crypto';

export type CanonicalValue = null | boolean | number | string | CanonicalValue[] | { [key: string]: CanonicalValue };

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return value === 0 ? '0' : String(value); // String(x) === JSON.stringify(x) for finite x; -0 -> 0
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
        return out + ']';
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects');
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
}

/**
 * canonicalJson(value) of a plain object whose `key` holds a value already written as canonical JSON (`raw`),
 * so a large member serialized once (e.g. an experience's payload, also what is sealed) is not written twice.
 */
export function canonicalJsonSpliced(value: Record<string, unknown>, key: string, raw: string): string {
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + (k === key ? raw : canonicalJson(v));
    first = false;
  }
  return out + '}';
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The hash before the first link. */
export const GENESIS_HASH = '0'.repeat(64);

/** One link of the chain: SHA-256 over the previous hash and the canonical content. */
export function linkHash(prevHash: string, canonicalContent: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalContent).digest('hex');
}
