/**
 * The coordinator's admission rules: the hello check (allowlist, revocation, expiry, one-time enrollment
 * tokens), the pre-hello table that bounds streams of peers not yet enrolled (issue 12, attack 8), and which
 * live sessions' memberships have expired past their grace (issue 12, attack 9).
 * Must never admit a peer the store does not allow or enroll one without redeeming a valid token.
 */
import type { Stream } from '@libp2p/interface';
import { swarmMetrics, type Logger } from '../metrics';
import type { Session } from './coordinator-session';
import type { Frame, RefusalCode } from './protocol';
import type { CoordinatorStore } from './store';

/** Pre-hello streams of peers not yet enrolled: at most this many per remote address and in all (oldest evicted). */
export const PRE_HELLO_PER_ADDRESS = 8;
export const PRE_HELLO_TOTAL = 256;

/** The IP (or DNS name) of a remote multiaddr, the unit of PRE_HELLO_PER_ADDRESS. */
export function addressOf(remoteAddr: { toString(): string }): string {
  const m = /\/(?:ip4|ip6|dns4|dns6|dns)\/([^/]+)/.exec(remoteAddr.toString());
  return m?.[1] ?? remoteAddr.toString();
}

/** Decides whether a hello is admitted; enrolls with a token. Null = admitted. */
export function admit(store: CoordinatorStore, log: Logger, peer: string, hello: Extract<Frame, { t: 'hello' }>, membershipTtlMs: number): { code: RefusalCode; message: string } | null {
  const d = store.gate(peer);
  if (!d.allow) {
    const code: RefusalCode = d.reason === 'revoked' ? 'Revoked' : d.reason === 'expired' ? 'Expired' : 'NotAllowed';
    return { code, message: `This coordinator refuses ${peer}: ${d.reason}.` };
  }
  if (d.enrolled) return null;
  if (!hello.token) return { code: 'NotAllowed', message: 'This agent is not on the allowlist; join with an enrollment token or ask the coordinator to run `warpdesk swarm allow`.' };
  if (!store.redeemToken(hello.token, peer, 'agent', Date.now() + membershipTtlMs)) {
    return { code: 'BadToken', message: 'The enrollment token is unknown, already used or expired.' };
  }
  log.info({ peer }, 'agent enrolled with a token');
  return null;
}

/**
 * Streams from peers that are not enrolled yet, until their hello arrives: one per peer, PRE_HELLO_PER_ADDRESS
 * per remote address and PRE_HELLO_TOTAL in all, the oldest evicted when a limit is reached. A real agent sends
 * its hello at once, so idle streams cannot hold enrollment shut; each also has only `helloTimeoutMs` to send it.
 */
export class PreHelloTable {
  private readonly streams = new Map<Stream, { peer: string; addr: string }>();

  constructor(private readonly log: Logger) {}

  hold(stream: Stream, peer: string, addr: string): void {
    const evict = (victim: Stream, why: string): void => {
      this.log.warn({ peer: this.streams.get(victim)?.peer, why }, 'pre-hello stream evicted');
      this.streams.delete(victim);
      swarmMetrics.refusedConnectionsTotal.inc({ reason: `pre-hello-${why}` });
      victim.abort(new Error(`evicted before its hello (${why})`));
    };
    for (const [st, e] of this.streams) if (e.peer === peer) evict(st, 'per-peer');
    const sameAddr = [...this.streams].filter(([, e]) => e.addr === addr);
    if (sameAddr.length >= PRE_HELLO_PER_ADDRESS) evict(sameAddr[0]![0], 'per-address');
    if (this.streams.size >= PRE_HELLO_TOTAL) evict(this.streams.keys().next().value!, 'total');
    this.streams.set(stream, { peer, addr });
  }

  release(stream: Stream): void {
    this.streams.delete(stream);
  }
}

/**
 * Live sessions whose membership expired more than `graceMs` ago (the window in which `swarm allow` can renew
 * it), with the expiry to report; a session renewed in the store meanwhile gets its new `notAfter` instead.
 */
export function expiredSessions(sessions: Iterable<Session>, store: CoordinatorStore, graceMs: number, now = Date.now()): Array<{ session: Session; notAfter: number }> {
  const out: Array<{ session: Session; notAfter: number }> = [];
  for (const s of sessions) {
    if (now < s.notAfter + graceMs) continue;
    const m = store.member(s.peerId);
    if (m && m.status === 'allowed' && now < m.notAfter + graceMs) {
      s.notAfter = m.notAfter;
      continue;
    }
    out.push({ session: s, notAfter: m?.notAfter ?? s.notAfter });
  }
  return out;
}
