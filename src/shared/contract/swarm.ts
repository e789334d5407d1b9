/**
 * Contract of the swarm capability: host a swarm (coordinator) or join one (agent), see the agents, tasks in
 * flight and shared records arriving, hand out enrollment tokens, allow or revoke agents.
 * Must never import Node, Electron or the DOM.
 */
import { z } from 'zod';
import { channel } from './define';
import { QueryWindowFields } from './data';

const PeerId = z.string().regex(/^(12D3KooW[1-9A-HJ-NP-Za-km-z]{44}|Qm[1-9A-HJ-NP-Za-km-z]{44})$/, 'not a PeerId');
const Transport = z.enum(['quic', 'ws', 'other']);

export const SwarmAgentInfoSchema = z.object({
  peerId: z.string(),
  agentType: z.string(),
  transport: Transport,
  rttMs: z.number().nullable(),
  lastSeen: z.number(),
  connectedAt: z.number(),
  /** `taskId#shard` while the agent works on a shard. */
  busy: z.string().nullable(),
});

export const SwarmMemberSchema = z.object({
  peerId: z.string(),
  status: z.enum(['allowed', 'revoked']),
  notAfter: z.number(),
  lastSeen: z.number().nullable(),
  transport: z.string().nullable(),
  rttMs: z.number().nullable(),
});

export const SwarmTaskSchema = z.object({ taskId: z.string(), shards: z.number().int(), done: z.number().int(), reassigned: z.number().int() });

export const SwarmStatusSchema = z.object({
  role: z.enum(['none', 'coordinator', 'agent']),
  peerId: z.string().nullable(),
  coordinator: z
    .object({
      multiaddrs: z.array(z.string()),
      agents: z.array(SwarmAgentInfoSchema),
      members: z.array(SwarmMemberSchema),
      tasks: z.array(SwarmTaskSchema),
      shared: z.number().int(),
      /** The last enrollment token handed out, while it is unused and unexpired (so a reloaded view shows it again). */
      token: z.object({ token: z.string(), expiresAt: z.number() }).nullable(),
    })
    .nullable(),
  agent: z
    .object({
      coordinator: z.string(),
      connected: z.boolean(),
      transport: Transport.nullable(),
      rttMs: z.number().nullable(),
      membershipNotAfter: z.number().nullable(),
      outboxPending: z.number().int(),
      received: z.number().int(),
      lastRefusal: z.object({ code: z.string(), message: z.string() }).nullable(),
    })
    .nullable(),
});
export type SwarmStatus = z.infer<typeof SwarmStatusSchema>;

export const swarmChannels = {
  'swarm:status': channel('Reports whether this workspace hosts or joined a swarm, with agents, tasks and connection state.', z.object({}).strict(), SwarmStatusSchema),
  'swarm:host': channel(
    'Starts a coordinator on this machine and returns its multiaddrs and a one-time enrollment token.',
    z.object({ listen: z.string().max(64).default('127.0.0.1'), quicPort: z.number().int().min(0).max(65535).default(0), wsPort: z.number().int().min(0).max(65535).default(0) }).strict(),
    z.object({ peerId: z.string(), multiaddrs: z.array(z.string()), token: z.string() }),
  ),
  'swarm:join': channel(
    'Joins a swarm as an agent (QUIC first, WebSockets fallback); the token is needed on the first join only.',
    z.object({ join: z.array(z.string().min(8).max(300)).min(1).max(8), token: z.string().max(128).optional() }).strict(),
    z.object({ peerId: z.string(), coordinator: z.string() }),
  ),
  'swarm:stop': channel('Leaves the swarm (agent) or stops hosting it (coordinator).', z.object({}).strict(), z.object({ stopped: z.boolean() })),
  'swarm:token': channel('Creates a new one-time enrollment token (coordinator only).', z.object({ ttlHours: z.number().int().min(1).max(8760).default(24) }).strict(), z.object({ token: z.string() })),
  'swarm:allow': channel('Allows an agent by PeerId (coordinator only).', z.object({ peerId: PeerId }).strict(), z.object({ ok: z.boolean() })),
  'swarm:revoke': channel('Revokes an agent by PeerId at once, everywhere (coordinator only).', z.object({ peerId: PeerId }).strict(), z.object({ ok: z.boolean() })),
  'swarm:search': channel(
    'Shards an analog search over the connected agents (coordinator only): the query window against all earlier bars, merged top-k.',
    z
      .object({
        ...QueryWindowFields,
        k: z.number().int().min(1).max(100),
        windowRatio: z.number().min(0).max(1),
        shards: z.number().int().min(1).max(1024).optional(),
      })
      .strict()
      .refine((r) => r.queryEnd > r.queryStart, { message: 'The query must span at least two bars.' }),
    z.object({
      taskId: z.string(),
      shards: z.number().int(),
      reassigned: z.number().int(),
      elapsedMs: z.number(),
      matches: z.array(z.object({ start: z.number().int(), end: z.number().int(), startTime: z.number(), endTime: z.number(), distance: z.number(), similarity: z.number(), agent: z.string() })),
    }),
  ),
} as const;

export const swarmEvents = {
  /** Something changed (agent joined/left/refused, connection state, task progress): fetch swarm:status. */
  'swarm:changed': z.object({ reason: z.string() }),
  /** A shared record arrived (agent) or was stored and broadcast (coordinator). */
  'swarm:shared': z.object({ id: z.string(), kind: z.string(), origin: z.string(), at: z.number() }),
} as const;
