/**
 * Loads the js-libp2p stack (ESM-only packages) through dynamic `import()`, after installing the two
 * polyfills Node 20 needs before libp2p runs (TOOLCHAIN swarm gotcha 1): `Promise.withResolvers` and a
 * global `WebSocket` (from `ws`). Everything in src/main/swarm reaches libp2p only through `loadStack()`,
 * so the main bundle (CommonJS) never has a static `require` of an ESM-only package.
 * Must never be bypassed by a static value import of a libp2p package elsewhere in the swarm folder.
 */
import tty from 'node:tty';
import { WebSocket as WsWebSocket } from 'ws';

export function installPolyfills(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers !== 'function') {
    P.withResolvers = function withResolvers<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    };
  }
  const g = globalThis as unknown as { WebSocket?: unknown };
  if (typeof g.WebSocket === 'undefined') g.WebSocket = WsWebSocket;
}

/**
 * libp2p's debug loggers (weald) ask `tty.isatty(2)` each time one is created, i.e. for every connection and
 * stream (0.5 s of a coordinator's 20 s of CPU in a 250-agent bench run, joins included); answered once here through DEBUG_COLORS,
 * which weald reads when it loads. Same colours as before; an explicit DEBUG_COLORS wins.
 */
function settleDebugColors(): void {
  process.env['DEBUG_COLORS'] ??= tty.isatty(2) ? 'true' : 'false';
}

async function load() {
  installPolyfills();
  settleDebugColors();
  const [libp2p, quic, websockets, noise, yamux, identify, gossipsub, keys, peerId, multiaddr, utils] = await Promise.all([
    import('libp2p'),
    import('@chainsafe/libp2p-quic'),
    import('@libp2p/websockets'),
    import('@chainsafe/libp2p-noise'),
    import('@chainsafe/libp2p-yamux'),
    import('@libp2p/identify'),
    import('@libp2p/gossipsub'),
    import('@libp2p/crypto/keys'),
    import('@libp2p/peer-id'),
    import('@multiformats/multiaddr'),
    import('@libp2p/utils'),
  ]);
  return { libp2p, quic, websockets, noise, yamux, identify, gossipsub, keys, peerId, multiaddr, utils };
}

export type Stack = Awaited<ReturnType<typeof load>>;
let cached: Promise<Stack> | undefined;

export function loadStack(): Promise<Stack> {
  cached ??= load();
  return cached;
}
