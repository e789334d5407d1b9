/**
 * Builds the libp2p node of a coordinator or an agent: QUIC (quinn, TLS 1.3) and WebSockets (+ noise +
 * yamux) transports, identify, gossipsub tuned for many peers behind one IP (TOOLCHAIN swarm gotcha 5),
 * connection-manager limits raised for a coordinator at scale (gotcha 6), libp2p's own reconnect disabled
 * (the application redials; gotcha 7), libp2p's connection monitor off (see CONNECTION_MONITOR) and the
 * caller's connection gater. A coordinator closes connections
 * that do not finish their handshake within HANDSHAKE_TIMEOUT_MS (issue 12, attack 7): the libp2p upgrade
 * (noise + yamux), and raw TCP connections that never become a WebSocket (silent or slow HTTP).
 * Must never enable peer discovery or listen on an address the caller did not ask for.
 */
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import http from 'node:http';
import net from 'node:net';
import { loadStack } from './stack';

/** A coordinator closes inbound connections that have not completed their handshake after this long. */
export const HANDSHAKE_TIMEOUT_MS = 3_000;

/**
 * libp2p's connection monitor opens a ping stream on every connection every 10 s, all at once: 1,000 stream
 * negotiations in one burst on a coordinator holding 1,000 agents (our agents do not serve /ipfs/ping, so each
 * costs a multistream-select failure too). Liveness is the command stream's heartbeat (agent: three missed
 * pongs; coordinator: the read timeout, after which it aborts the connection) and QUIC's keep-alive and idle
 * timeout, so the monitor is off. `WARPDESK_SWARM_CONNECTION_MONITOR=1` turns it back on (bench comparison).
 */
export const CONNECTION_MONITOR = process.env['WARPDESK_SWARM_CONNECTION_MONITOR'] === '1';

/**
 * Streams the other side may have open at once on a QUIC connection (the binding's default is 256). quinn keeps
 * state for every stream it allows, ~60 bytes each: 256 cost a listener 134 KiB RSS per connection against 119
 * KiB at 16 (bare libp2p QUIC connections with one stream, 400 per run, two runs each). A swarm connection carries
 * at most a handful: the command stream (4 allowed), gossipsub's one per direction, identify, the bench's echo.
 */
export const QUIC_MAX_STREAMS = 16;

export interface NodeOptions {
  privateKey: PrivateKey;
  /** Listen multiaddrs (coordinator); empty for an agent (dial-only). */
  listen: string[];
  gater: ConnectionGater;
  /** Coordinator: raise connection limits. */
  server: boolean;
}

export type SwarmLibp2p = Awaited<ReturnType<typeof createSwarmNode>>;

export async function createSwarmNode(opts: NodeOptions) {
  const s = await loadStack();
  const node = await s.libp2p.createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen },
    transports: [
      s.quic.quic({ handshakeTimeout: 5_000, maxIdleTimeout: 10_000, keepAliveInterval: 2_000, maxConcurrentStreamLimit: QUIC_MAX_STREAMS }),
      s.websockets.webSockets(opts.server ? { http: { headersTimeout: HANDSHAKE_TIMEOUT_MS, requestTimeout: HANDSHAKE_TIMEOUT_MS * 2, connectionsCheckingInterval: 500 } } : {}),
    ],
    connectionEncrypters: [s.noise.noise()],
    streamMuxers: [s.yamux.yamux()],
    connectionGater: opts.gater,
    connectionMonitor: { enabled: CONNECTION_MONITOR },
    connectionManager: opts.server
      ? { maxConnections: 20_000, maxIncomingPendingConnections: 2_000, inboundConnectionThreshold: 100_000, maxParallelDials: 100, reconnectRetries: 0, inboundUpgradeTimeout: HANDSHAKE_TIMEOUT_MS }
      : { maxConnections: 16, reconnectRetries: 0 },
    services: {
      identify: s.identify.identify(),
      pubsub: s.gossipsub.gossipsub({
        D: 24,
        Dlo: 20,
        Dhi: 32,
        floodPublish: true,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        scoreParams: { IPColocationFactorWeight: 0 },
        metricsRegister: null,
      }),
    },
  });
  if (opts.server) closeSilentSockets(node);
  return node;
}

/**
 * The WebSocket listener waits for a raw TCP connection's first byte without a deadline, and its HTTP server
 * never listens itself, so Node's header timeouts never run: idle or slow connections were held forever.
 * Destroy any TCP connection that has not become a WebSocket (HTTP `upgrade`) within HANDSHAKE_TIMEOUT_MS;
 * after that, libp2p's own `inboundUpgradeTimeout` bounds the noise + yamux handshake. Reaches the listener's
 * `net.Server` and `http.Server` through the transport manager; if a libp2p version hides them, nothing
 * changes (and src/main/swarm/edges.test.ts fails).
 */
function closeSilentSockets(node: unknown): void {
  type Hooked = { warpdeskHooked?: boolean };
  type Upgraded = net.Socket & { warpdeskUpgraded?: boolean };
  const n = node as { components?: { transportManager?: { getListeners(): Array<{ server?: unknown; http?: unknown }> } } };
  for (const listener of n.components?.transportManager?.getListeners() ?? []) {
    const server = listener.server;
    const httpServer = listener.http;
    if (!(server instanceof net.Server) || !(httpServer instanceof http.Server) || (server as Hooked).warpdeskHooked) continue;
    (server as Hooked).warpdeskHooked = true;
    httpServer.on('upgrade', (_req: http.IncomingMessage, socket: Upgraded) => {
      socket.warpdeskUpgraded = true;
    });
    server.on('connection', (socket: Upgraded) => {
      const timer = setTimeout(() => {
        if (!socket.warpdeskUpgraded) socket.destroy();
      }, HANDSHAKE_TIMEOUT_MS);
      timer.unref?.();
      socket.once('close', () => clearTimeout(timer));
    });
  }
}
