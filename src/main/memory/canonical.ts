/**
 * Canonical JSON and SHA-256 for the audit chain: object keys sorted, no whitespace, only finite numbers,
 * strings/booleans/null/arrays/plain objects. The same value always yields the same bytes, in any process.
 * Must never: accept undefined, NaN, Infinity, functions or class instances (it throws instead).
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
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects');
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
    }
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
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
