/**
 * `warpdesk swarm allow|revoke|list|token|id`: manages the coordinator's allowlist in this workspace
 * (`<data>/swarm/coordinator.db`). A running coordinator applies changes within its poll interval:
 * revocation closes the agent's connection at once and is broadcast to every agent.
 */
import fs from 'node:fs';
import { resolveDataDir } from '../../main/platform/workspace';
import { Coordinator, CoordinatorStore, PEER_ID_RE, coordinatorDbPath, identityFile, loadOrCreateIdentity } from '../../main/swarm';
import { UsageError, intFlag, jsonTarget, stringFlag } from '../args';
import type { Command } from '../command';

export const swarmCommand: Command = {
  name: 'swarm',
  summary: "Manage the swarm coordinator's allowlist and identity: allow, revoke, list, token, id, rotate-key.",
  usage: 'warpdesk swarm allow PEER_ID [--ttl-hours H] | revoke PEER_ID | list | token [--ttl-hours H] | id [--role agent|coordinator] | rotate-key  [--data-dir DIR] [--json]',
  flags: {
    'ttl-hours': { type: 'string', description: 'membership (allow) or token lifetime in hours (default 24)' },
    role: { type: 'string', description: 'for `id`: which identity of this workspace (default agent)' },
  },
  async run(args, io) {
    const [sub, peer, ...extra] = args.positionals;
    if (!sub) throw new UsageError('Name a subcommand: allow, revoke, list, token, id or rotate-key.');
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    const dataDir = resolveDataDir(stringFlag(args, 'data-dir'));
    const json = jsonTarget(args).enabled;
    const ttlHours = intFlag(args, 'ttl-hours', 24, 1, 24 * 3650);
    const needPeer = (): string => {
      if (!peer) throw new UsageError(`swarm ${sub} needs a PeerId.`);
      if (!PEER_ID_RE.test(peer)) throw new UsageError(`"${peer}" is not a PeerId (expected 12D3KooW… or Qm…).`);
      return peer;
    };
    if (sub === 'id') {
      const role = stringFlag(args, 'role') ?? 'agent';
      if (role !== 'agent' && role !== 'coordinator') throw new UsageError('--role must be agent or coordinator.');
      const existed = fs.existsSync(identityFile(dataDir, role));
      const id = await loadOrCreateIdentity(dataDir, role);
      io.stdout(json ? JSON.stringify({ role, peerId: id.peerId.toString(), created: !existed }) + '\n' : `${id.peerId.toString()}\n`);
      return 0;
    }
    if (sub === 'rotate-key') {
      const r = await Coordinator.rotateStoredKey(dataDir);
      io.stdout(json ? JSON.stringify(r) + '\n' : `Coordinator key rotated: ${r.old} -> ${r.next}.\nIt takes effect when the coordinator (re)starts; agents follow the signed rotation on their next connection.\n`);
      return 0;
    }
    const store = new CoordinatorStore(coordinatorDbPath(dataDir));
    try {
      switch (sub) {
        case 'allow': {
          const p = needPeer();
          const notAfter = Date.now() + ttlHours * 3600_000;
          store.allow(p, 'agent', notAfter, 'allowed from the CLI');
          io.stdout(json ? JSON.stringify({ allowed: p, notAfter }) + '\n' : `Allowed ${p} until ${new Date(notAfter).toISOString()}.\n`);
          return 0;
        }
        case 'revoke': {
          const p = needPeer();
          store.revoke(p);
          io.stdout(json ? JSON.stringify({ revoked: p }) + '\n' : `Revoked ${p}; a running coordinator disconnects it now.\n`);
          return 0;
        }
        case 'list': {
          const members = store.members();
          if (json) io.stdout(JSON.stringify(members) + '\n');
          else if (members.length === 0) io.stdout('No agents are allowed yet.\n');
          else
            io.stdout(
              members
                .map(
                  (m) =>
                    `${m.peerId}  ${m.status.padEnd(7)}  ${m.role}  until ${new Date(m.notAfter).toISOString()}  ${m.transport ?? '-'}  rtt ${m.rttMs?.toFixed(2) ?? '-'} ms  last seen ${m.lastSeen ? new Date(m.lastSeen).toISOString() : 'never'}`,
                )
                .join('\n') + '\n',
            );
          return 0;
        }
        case 'token': {
          const token = store.createToken(ttlHours * 3600_000);
          io.stdout(json ? JSON.stringify({ token, ttlHours }) + '\n' : `${token}\n`);
          return 0;
        }
        default:
          throw new UsageError(`Unknown subcommand "${sub}"; use allow, revoke, list, token, id or rotate-key.`);
      }
    } finally {
      store.close();
    }
  },
};
