/**
 * Builds the libp2p node of a coordinator or an agent: QUIC (quinn, TLS 1.3) and WebSockets (+ noise +
 * yamux) transports, identify, gossipsub tuned for many peers behind one IP (TOOLCHAIN swarm gotcha 5),
 * connection-manager limits raised for a coordinator at scale (gotcha 6), libp2p's own reconnect disabled
 * (the application redials; gotcha 7) and the caller's connection gater.
 * Must never enable peer discovery or listen on an address the caller did not ask for.
 */
import type { ConnectionGater, PrivateKey } from '@libp2p/interface';
import { loadStack } from './stack';

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
    transports: [s.quic.quic({ handshakeTimeout: 5_000, maxIdleTimeout: 10_000, keepAliveInterval: 2_000 }), s.websockets.webSockets()],
    connectionEncrypters: [s.noise.noise()],
    streamMuxers: [s.yamux.yamux()],
    connectionGater: opts.gater,
    connectionManager: opts.server
      ? { maxConnections: 20_000, maxIncomingPendingConnections: 2_000, inboundConnectionThreshold: 100_000, maxParallelDials: 100, reconnectRetries: 0, inboundUpgradeTimeout: 10_000 }
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
  return node;
}
