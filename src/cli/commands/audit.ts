/**
 * `warpdesk audit verify`: recomputes the pattern memory's SHA-256 hash chain (experiences and verdicts)
 * from the records and reports the first broken link. Exit 0 when intact, 1 when broken (or unreadable),
 * 2 on bad usage. Opens the memory read-only; the key comes from WARPDESK_MEMORY_KEY or the workspace's
 * key file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveDataDir } from '../../main/platform/workspace';
import { MEMORY_FILE, openMemory } from '../../main/memory';
import { jsonTarget, stringFlag, UsageError } from '../args';
import type { Command } from '../command';

export const auditCommand: Command = {
  name: 'audit',
  summary: "Verify the pattern memory's audit chain; exits 1 at the first broken link.",
  usage: 'warpdesk audit verify [--data-dir DIR] [--json [FILE]]',
  flags: {},
  async run(args, io) {
    const [sub, ...rest] = args.positionals;
    if (sub !== 'verify') throw new UsageError(sub === undefined ? 'Say what to audit: `warpdesk audit verify`.' : `Unknown audit action "${sub}"; the only one is "verify".`);
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const json = jsonTarget(args);
    if (!fs.existsSync(path.join(dataDir, MEMORY_FILE))) {
      // Nothing recorded, nothing broken: an empty chain is intact.
      if (json.enabled) {
        const out = JSON.stringify({ dataDir, file: null, ok: true, links: 0, head: null, experiences: 0 }, null, 2) + '\n';
        if (json.file) fs.writeFileSync(json.file, out);
        else io.stdout(out);
      } else io.stdout(`No experiences yet in ${dataDir}, so there is no audit chain to verify.\n`);
      return 0;
    }
    const memory = await openMemory({ dataDir, readonly: true });
    let report;
    try {
      report = memory.verifyChain();
    } finally {
      memory.close();
    }
    if (json.enabled) {
      const out = JSON.stringify({ dataDir, file: memory.file, ...report }, null, 2) + '\n';
      if (json.file) fs.writeFileSync(json.file, out);
      else io.stdout(out);
    } else if (report.ok) {
      io.stdout(
        `Audit chain intact: ${report.links} links` +
          (report.head ? `, head ${report.head.hash.slice(0, 16)}… at link ${report.head.seq}` : '') +
          ` (${memory.file}, checked in ${report.elapsedMs.toFixed(0)} ms).\n`,
      );
    } else {
      io.stdout(`Audit chain BROKEN after ${report.links} good links: ${report.broken!.message}\n`);
    }
    return report.ok ? 0 : 1;
  },
};
