/**
 * Key rotation: re-encrypts every sealed record under a new key in batches (one transaction per batch),
 * resumable from the rotation target kept in `meta`; old keys are retired only at the very end.
 * Must never: drop a key a record still uses, or leave a record readable by no key the provider holds.
 */
import { performance } from 'node:perf_hooks';
import { WarpdeskError } from '../../shared/errors';
import { Keyring, type KeyProvider, type MemoryKey, type Sealed } from './keys';
import type { SealedRow } from './rows';
import type { Db } from './schema';
import type { Statements } from './statements';
import type { RotationReport } from './types';
import { checkInteger } from './validate';

export const ENCRYPTED_TABLES = [
  { table: 'patterns', idColumn: 'id' },
  { table: 'experiences', idColumn: 'id' },
  { table: 'outcomes', idColumn: 'experience_id' },
  { table: 'distilled', idColumn: 'id' },
] as const;

/** What rotating the key needs of the store. */
export interface RotationHost {
  readonly db: Db;
  readonly st: Statements;
  readonly provider: KeyProvider;
  /** Throws when the memory is closed or read-only. */
  writable(): void;
  seal(table: string, id: string, plaintext: Buffer): Sealed;
  unseal(table: string, id: string, row: SealedRow, what: string): Buffer;
  /** Records a key's check value (once). */
  registerKey(key: MemoryKey): void;
  /** Replaces the keyring the store seals and opens with. */
  setKeyring(ring: Keyring): void;
  checkpoint(): { walPages: number; checkpointed: number };
}

/**
 * Re-encrypts every record under a fresh key (from the provider's createKey, or the provider's current
 * key when it cannot create one, e.g. environment keys), in batches, each batch one transaction. If the
 * process dies half way, every record is readable with the keys the provider still holds, and calling
 * rotateKey again finishes the same rotation. Old keys are retired only at the end.
 */
export async function rotateKey(host: RotationHost, options: { batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<RotationReport> {
  host.writable();
  const t0 = performance.now();
  const batch = options.batchSize === undefined ? 500 : checkInteger(options.batchSize, 'batch size', 1, 100_000);
  let target = (host.st.meta.get('rotation_target') as { value: string } | undefined)?.value;
  let keys = await host.provider.keys();
  const resumed = !!target && keys.some((k) => k.id === target);
  if (!resumed) {
    if (host.provider.createKey) {
      target = (await host.provider.createKey()).id;
      keys = await host.provider.keys();
    } else {
      target = keys[0]?.id;
    }
    if (!target || !keys.some((k) => k.id === target)) throw new WarpdeskError('WrongKey', 'The key provider did not supply the new key.');
    const key = keys.find((k) => k.id === target)!;
    host.db
      .transaction(() => {
        host.st.setMeta.run('rotation_target', key.id);
        host.registerKey(key);
      })
      .immediate();
  }
  const targetKey = keys.find((k) => k.id === target)!;
  host.setKeyring(new Keyring([targetKey, ...keys.filter((k) => k.id !== target)]));
  let reencrypted = 0;
  for (const { table, idColumn } of ENCRYPTED_TABLES) {
    const select = host.db.prepare(`SELECT rowid, ${idColumn} AS id, key_id, nonce, data FROM ${table} WHERE key_id != ? LIMIT ?`);
    const update = host.db.prepare(`UPDATE ${table} SET key_id = ?, nonce = ?, data = ? WHERE rowid = ?`);
    for (;;) {
      const n = host.db
        .transaction(() => {
          const rows = select.all(targetKey.id, batch) as Array<SealedRow & { rowid: number; id: string }>;
          for (const r of rows) {
            const plain = host.unseal(table, r.id, r, `${table} record ${r.id}`);
            const s = host.seal(table, r.id, plain);
            update.run(s.keyId, s.nonce, s.data, r.rowid);
          }
          return rows.length;
        })
        .immediate();
      if (n === 0) break;
      reencrypted += n;
      options.onProgress?.(reencrypted);
    }
  }
  const retired = (host.st.keyIds.all() as Array<{ key_id: string }>).map((r) => r.key_id).filter((id) => id !== targetKey.id);
  host.db
    .transaction(() => {
      for (const id of retired) host.st.deleteKey.run(id);
    })
    .immediate();
  for (const k of keys) if (k.id !== targetKey.id) await host.provider.retireKey?.(k.id);
  host.db
    .transaction(() => {
      host.st.deleteMeta.run('rotation_target');
    })
    .immediate();
  host.checkpoint();
  const after = await host.provider.keys();
  host.setKeyring(new Keyring([targetKey, ...after.filter((k) => k.id !== targetKey.id)]));
  return { keyId: targetKey.id, retired, reencrypted, resumed, elapsedMs: performance.now() - t0 };
}
