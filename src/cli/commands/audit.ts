/**
 * `warpdesk audit verify|checkpoint`: the pattern memory's audit chain (ADR 0004, threat model ADR 0013).
 * `verify` recomputes the SHA-256 hash chain from the records and reports the first broken link; with
 * `--receipts FILE|DIR` it also fails when the chain no longer contains a receipted head (a rewrite by someone
 * holding the memory key, or its newest records deleted). `checkpoint` verifies the chain and signs its head
 * with the agent's identity key (`<data>/swarm/agent.identity`, sealed apart from the memory key) into a
 * receipt to keep outside the workspace. Exit 0 when intact, 1 when broken (or unreadable), 2 on bad usage.
 * Opens the memory read-only; the memory key comes from WARPDESK_MEMORY_KEY or the workspace's key file.
 * Must never sign the head of a chain that does not verify.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MEMORY_FILE, openMemory, type ChainReport } from '../../main/memory';
import { resolveDataDir } from '../../main/platform/workspace';
import { loadOrCreateIdentity, parseReceipts, signReceipt, verifyReceipt, type AuditReceipt } from '../../main/swarm';
import { WarpdeskError } from '../../shared/errors';
import { jsonTarget, stringFlag, UsageError } from '../args';
import type { CliIO, Command } from '../command';
import type { AuditVerifyOutput } from '../outputs';

/** Reads receipts from a file (JSON, JSON array or JSONL) or every `*.json`/`*.jsonl` file of a folder. */
async function readReceipts(target: string): Promise<AuditReceipt[]> {
  let files: string[];
  try {
    files = fs.statSync(target).isDirectory()
      ? fs
          .readdirSync(target)
          .filter((f) => /\.jsonl?$/.test(f))
          .sort()
          .map((f) => path.join(target, f))
      : [target];
  } catch {
    throw new WarpdeskError('NotFound', `There are no receipts at ${target}.`);
  }
  const receipts: AuditReceipt[] = [];
  for (const file of files) {
    for (const value of parseReceipts(fs.readFileSync(file, 'utf8'))) {
      const check = await verifyReceipt(value);
      if (!check.ok) throw new WarpdeskError('Unauthorized', `${check.message} (${file})`, { reason: check.reason });
      receipts.push(check.receipt);
    }
  }
  if (receipts.length === 0) throw new WarpdeskError('NotFound', `${target} holds no audit receipts.`);
  return receipts;
}

function emitJson(args: Parameters<Command['run']>[0], io: CliIO, value: unknown): boolean {
  const json = jsonTarget(args);
  if (!json.enabled) return false;
  const out = JSON.stringify(value, null, 2) + '\n';
  if (json.file) fs.writeFileSync(json.file, out);
  else io.stdout(out);
  return true;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: "Verify the pattern memory's audit chain (against signed receipts), or sign a receipt of its head.",
  usage: 'warpdesk audit verify [--receipts FILE|DIR] [--data-dir DIR] [--json [FILE]]\n       warpdesk audit checkpoint [--out FILE|DIR] [--data-dir DIR] [--json [FILE]]',
  flags: {
    receipts: { type: 'string', description: 'verify: receipts (a file, or a folder of *.json) whose heads the chain must still contain' },
    out: { type: 'string', description: 'checkpoint: write the receipt to FILE (or into folder DIR); default: print it' },
  },
  async run(args, io) {
    const [sub, ...rest] = args.positionals;
    if (sub !== 'verify' && sub !== 'checkpoint')
      throw new UsageError(sub === undefined ? 'Say what to do: `warpdesk audit verify` or `warpdesk audit checkpoint`.' : `Unknown audit action "${sub}"; use "verify" or "checkpoint".`);
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest[0]}".`);
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const receiptsAt = stringFlag(args, 'receipts');
    const out = stringFlag(args, 'out');
    if (sub === 'checkpoint' && receiptsAt) throw new UsageError('--receipts belongs to `audit verify`.');
    if (sub === 'verify' && out) throw new UsageError('--out belongs to `audit checkpoint`.');
    const receipts = receiptsAt ? await readReceipts(receiptsAt) : undefined;
    if (!fs.existsSync(path.join(dataDir, MEMORY_FILE))) {
      // Nothing recorded, nothing broken: an empty chain is intact (and has no head to sign).
      if (sub === 'checkpoint') throw new WarpdeskError('NotFound', `No experiences yet in ${dataDir}: there is no audit chain head to sign.`);
      if (!emitJson(args, io, { dataDir, file: null, ok: true, links: 0, head: null, experiences: 0 } satisfies AuditVerifyOutput)) io.stdout(`No experiences yet in ${dataDir}, so there is no audit chain to verify.\n`);
      return 0;
    }

    const memory = await openMemory({ dataDir, readonly: true });
    let report: ChainReport;
    try {
      report = memory.verifyChain(receipts ? { receipts } : {});
    } finally {
      memory.close();
    }

    if (sub === 'verify') {
      if (!emitJson(args, io, { dataDir, file: memory.file, ...report } satisfies AuditVerifyOutput)) {
        if (report.ok) {
          io.stdout(
            `Audit chain intact: ${report.links} links` +
              (report.head ? `, head ${report.head.hash.slice(0, 16)}… at link ${report.head.seq}` : '') +
              (report.receipts ? `; it contains all ${report.receipts.checked} receipted heads` : '') +
              ` (${memory.file}, checked in ${report.elapsedMs.toFixed(0)} ms).\n`,
          );
        } else {
          io.stdout(`Audit chain BROKEN after ${report.links} good links: ${report.broken!.message}\n`);
        }
      }
      return report.ok ? 0 : 1;
    }

    // checkpoint
    if (!report.ok) {
      io.stdout(`Not signing: the audit chain is BROKEN after ${report.links} good links: ${report.broken!.message}\n`);
      return 1;
    }
    if (!report.head) throw new WarpdeskError('NotFound', 'The audit chain is empty: there is no head to sign yet.');
    const identity = await loadOrCreateIdentity(dataDir, 'agent');
    const receipt = await signReceipt(identity.privateKey, identity.peerId.toString(), report.head, Date.now());
    const text = JSON.stringify(receipt) + '\n';
    let written: string | undefined;
    if (out) {
      written = fs.existsSync(out) && fs.statSync(out).isDirectory() ? path.join(out, `receipt-${receipt.seq}-${receipt.at}.json`) : out;
      fs.writeFileSync(written, text);
    }
    if (!emitJson(args, io, { ...receipt, ...(written ? { file: written } : {}) })) {
      if (written) io.stdout(`Signed the head of link ${receipt.seq} (${receipt.head.slice(0, 16)}…) as ${receipt.signer}; receipt in ${written}. Keep it outside the workspace.\n`);
      else io.stdout(text);
    }
    return 0;
  },
};
