/**
 * Encryption at rest for the memory: AES-256-GCM (node:crypto) with a fresh random 12-byte nonce per
 * record, the table and record id as associated data (a record can't be swapped to another row), and a key
 * id stored with every record. Keys come from a KeyProvider:
 *  - `fileKeyProvider`: a keyring file in the workspace, created with mode 0600 on first use; optionally
 *    sealed by an OS facility (the Electron app passes safeStorage through `protect`, see src/main/electron);
 *  - `envKeyProvider`: WARPDESK_MEMORY_KEY (base64, 32 bytes), plus WARPDESK_MEMORY_KEY_PREVIOUS during a
 *    rotation;
 *  - `staticKeyProvider`: keys held in memory (tests, benchmarks, embedding).
 * A key id is derived from the key bytes (SHA-256, 16 hex), so the id never reveals the key and a wrong key
 * can never pose as the right one.
 * Must never: log or return key bytes, reuse a nonce, write a key file readable by group or others.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { freshRandomBytes } from './entropy';
import fs from 'node:fs';
import path from 'node:path';
import { WarpdeskError } from '../../shared/errors';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export interface MemoryKey {
  /** Derived from the key bytes by `keyIdOf`. */
  readonly id: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Where the memory's keys live. `keys()` lists every key the provider holds, the current one (used for
 * new records) first; it returns [] when the provider has no key yet. A provider that can make keys
 * implements `createKey` (which makes the new key current and keeps the old ones) and `retireKey`
 * (called once a rotation no longer needs an old key). Implement this to plug in another key store.
 */
export interface KeyProvider {
  readonly name: string;
  keys(): MaybePromise<MemoryKey[]>;
  createKey?(): MaybePromise<MemoryKey>;
  retireKey?(keyId: string): MaybePromise<void>;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('warpdesk-memory-key-id\0').update(key).digest('hex').slice(0, 16);
}

export function makeKey(key: Buffer): MemoryKey {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) throw new WarpdeskError('InvalidInput', `A memory key must be exactly ${KEY_BYTES} bytes.`);
  return { id: keyIdOf(key), key: Buffer.from(key) };
}

export function generateKey(): MemoryKey {
  return makeKey(randomBytes(KEY_BYTES));
}

/** A sealed record: which key, the nonce, and ciphertext followed by the 16-byte GCM tag. */
export interface Sealed {
  keyId: string;
  nonce: Buffer;
  data: Buffer;
}

/** Associated data binding a ciphertext to its table and record id. */
export function aadFor(table: string, id: string): Buffer {
  return Buffer.from(`warpdesk-memory:v1:${table}:${id}`, 'utf8');
}

/** The keys a memory instance may use: one current key for writing, any number for reading. */
export class Keyring {
  private readonly byId = new Map<string, MemoryKey>();
  readonly current: MemoryKey;

  constructor(keys: MemoryKey[]) {
    if (keys.length === 0) throw new WarpdeskError('WrongKey', 'No memory key is available.');
    for (const k of keys) this.byId.set(k.id, k);
    this.current = keys[0]!;
  }

  has(keyId: string): boolean {
    return this.byId.has(keyId);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  seal(plaintext: Buffer, aad: Buffer, key: MemoryKey = this.current): Sealed {
    const nonce = freshRandomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
    cipher.setAAD(aad);
    const data = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { keyId: key.id, nonce, data };
  }

  open(sealed: Sealed, aad: Buffer, what: string): Buffer {
    const key = this.byId.get(sealed.keyId);
    if (!key) throw new WarpdeskError('WrongKey', `The ${what} is encrypted with key ${sealed.keyId}, which this key provider does not hold.`, { keyId: sealed.keyId });
    if (sealed.nonce.length !== NONCE_BYTES || sealed.data.length < TAG_BYTES) throw new WarpdeskError('WrongKey', `The ${what} is not a valid encrypted record (it was altered on disk).`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.nonce);
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.data.subarray(sealed.data.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.data.subarray(0, sealed.data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new WarpdeskError('WrongKey', `The ${what} could not be decrypted: it was altered on disk or sealed with another key.`, { keyId: sealed.keyId });
    }
  }
}

/** Keys held in memory. `createKey`/`retireKey` work on the in-memory list. */
export function staticKeyProvider(keys: Array<Buffer | MemoryKey> = []): KeyProvider & { list: MemoryKey[] } {
  const list = keys.map((k) => (Buffer.isBuffer(k) ? makeKey(k) : k));
  return {
    name: 'static',
    list,
    keys: () => [...list],
    createKey() {
      const k = generateKey();
      list.unshift(k);
      return k;
    },
    retireKey(id) {
      const i = list.findIndex((k) => k.id === id);
      if (i > 0) list.splice(i, 1);
    },
  };
}

export const KEY_ENV = 'WARPDESK_MEMORY_KEY';
export const PREVIOUS_KEY_ENV = 'WARPDESK_MEMORY_KEY_PREVIOUS';

function parseBase64Key(text: string, variable: string): MemoryKey {
  const t = text.trim();
  const buf = /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
  if (buf.length !== KEY_BYTES) throw new WarpdeskError('InvalidInput', `${variable} must hold a base64-encoded ${KEY_BYTES}-byte key (for example from \`openssl rand -base64 32\`).`);
  return makeKey(buf);
}

/**
 * Keys from environment variables: WARPDESK_MEMORY_KEY is current; WARPDESK_MEMORY_KEY_PREVIOUS (comma
 * separated) lists older keys while a rotation runs. Rotating: move the old value to _PREVIOUS, put a new
 * key in WARPDESK_MEMORY_KEY, run the rotation, then drop _PREVIOUS.
 */
export function envKeyProvider(env: NodeJS.ProcessEnv = process.env, variable = KEY_ENV, previousVariable = PREVIOUS_KEY_ENV): KeyProvider {
  return {
    name: `env:${variable}`,
    keys() {
      const cur = env[variable];
      if (!cur) return [];
      const out = [parseBase64Key(cur, variable)];
      for (const p of (env[previousVariable] ?? '').split(',').filter((s) => s.trim())) {
        const k = parseBase64Key(p, previousVariable);
        if (!out.some((o) => o.id === k.id)) out.push(k);
      }
      return out;
    },
  };
}

/** Optional sealing of the keyring file by an OS facility (Electron safeStorage, a keychain...). */
export interface KeyringProtection {
  seal(plain: Buffer): Buffer;
  unseal(sealed: Buffer): Buffer;
}

export const KEY_FILE = 'memory.key';

interface KeyringFile {
  version: 1;
  keys: Array<{ id: string; key: string; createdAt: number }>;
}

/**
 * A keyring file (JSON, first key current), created with mode 0600 by the first `createKey`, replaced
 * atomically (temporary file, fsync, rename) on every change. With `protect`, the file holds the sealed
 * JSON instead of the JSON.
 */
export function fileKeyProvider(options: { dataDir?: string; file?: string; protect?: KeyringProtection }): KeyProvider & { readonly file: string } {
  const file = options.file ?? path.join(options.dataDir ?? '.', KEY_FILE);
  const read = (): KeyringFile => {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] };
      throw new WarpdeskError('Unavailable', `The memory key file ${file} cannot be read: ${(err as Error).message}.`);
    }
    if (process.platform !== 'win32') {
      const mode = fs.statSync(file).mode & 0o777;
      if (mode & 0o077) throw new WarpdeskError('Unauthorized', `The memory key file ${file} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600\` on it.`);
    }
    try {
      const json = JSON.parse((options.protect ? options.protect.unseal(raw) : raw).toString('utf8')) as KeyringFile;
      if (json.version !== 1 || !Array.isArray(json.keys)) throw new Error('unknown format');
      return json;
    } catch (err) {
      throw new WarpdeskError('WrongKey', `The memory key file ${file} cannot be read (${(err as Error).message}).`);
    }
  };
  const write = (ring: KeyringFile): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    const body = Buffer.from(JSON.stringify(ring), 'utf8');
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, options.protect ? options.protect.seal(body) : body);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    try {
      const dfd = fs.openSync(path.dirname(file), 'r');
      fs.fsyncSync(dfd);
      fs.closeSync(dfd);
    } catch {
      /* directories can't be fsynced on every platform */
    }
  };
  return {
    name: `file:${file}`,
    file,
    keys: () => read().keys.map((k) => parseStored(k.key, file)),
    createKey() {
      const ring = read();
      const k = generateKey();
      ring.keys.unshift({ id: k.id, key: k.key.toString('base64'), createdAt: Date.now() });
      write(ring);
      return k;
    },
    retireKey(id) {
      const ring = read();
      const keep = ring.keys.filter((k, i) => i === 0 || k.id !== id);
      if (keep.length !== ring.keys.length) write({ version: 1, keys: keep });
    },
  };
}

function parseStored(b64: string, file: string): MemoryKey {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length !== KEY_BYTES) throw new WarpdeskError('WrongKey', `The memory key file ${file} holds a key of the wrong size.`);
  return makeKey(buf);
}

/** The headless default: the environment variable when set, else the workspace's key file. */
export function defaultKeyProvider(dataDir: string, env: NodeJS.ProcessEnv = process.env): KeyProvider {
  return env[KEY_ENV] ? envKeyProvider(env) : fileKeyProvider({ dataDir });
}
