/**
 * The renderer's typed API (WarpdeskApi) over whichever bridge the host provides: Electron's preload
 * (`window.warpdeskBridge`) or, in a browser, a WebSocket to the browser host, authenticated by the
 * per-run token: read once from the URL fragment (`#token=`, never sent over HTTP), kept in this origin's
 * sessionStorage, removed from the address bar, and offered as a WebSocket subprotocol (ADR 0003). Errors arrive as typed WarpdeskErrors with sentences to show.
 */
import type { BridgeApi } from '../../../shared/bridge';
import {
  URL_TOKEN_FRAGMENT,
  WS_PROTOCOL,
  WS_TOKEN_PROTOCOL_PREFIX,
  type ChannelName,
  type EventName,
  type EventPayloadOf,
  type InvokeResult,
  type RequestOf,
  type ResponseOf,
  type WarpdeskApi,
  type WsServerFrame,
} from '../../../shared/contract';
import { fromSerializedError } from '../../../shared/errors';

declare global {
  interface Window {
    warpdeskBridge?: BridgeApi;
  }
}

const TOKEN_KEY = 'warpdesk.token';

/** Takes the token out of the URL fragment into sessionStorage (this origin only) and returns it. */
export function takeToken(): string | undefined {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromUrl = params.get(URL_TOKEN_FRAGMENT);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

function createWebSocketBridge(): BridgeApi {
  const token = takeToken();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  const pending = new Map<number, (r: InvokeResult<unknown>) => void>();
  let nextId = 1;
  let socket: WebSocket | undefined;
  let ready: Promise<WebSocket> | undefined;
  let retryMs = 250;

  function connect(): Promise<WebSocket> {
    if (ready) return ready;
    ready = new Promise<WebSocket>((resolve, reject) => {
      if (!token || !/^[\w-]+$/.test(token)) {
        reject(new Error('This page has no Warpdesk token; open the URL `warpdesk serve` printed.'));
        return;
      }
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, [WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX + token]);
      ws.onopen = () => {
        socket = ws;
        retryMs = 250;
        resolve(ws);
      };
      ws.onmessage = (msg) => {
        const frame = JSON.parse(String(msg.data)) as WsServerFrame;
        if (frame.kind === 'result') {
          pending.get(frame.id)?.(frame.result);
          pending.delete(frame.id);
        } else {
          for (const l of listeners) l(frame.event as EventName, frame.payload);
        }
      };
      ws.onclose = () => {
        const wasOpen = socket === ws;
        socket = undefined;
        ready = undefined;
        for (const [, settle] of pending) settle({ ok: false, error: { code: 'Unavailable', message: 'The connection to Warpdesk was lost; please try again.' } });
        pending.clear();
        if (!wasOpen) reject(new Error('The Warpdesk host refused the connection; reopen the URL it printed.'));
        else setTimeout(() => void connect().catch(() => undefined), (retryMs = Math.min(retryMs * 2, 5000)));
      };
    });
    return ready;
  }

  return {
    host: 'browser',
    async invoke(channel, request) {
      let ws: WebSocket;
      try {
        ws = await connect();
      } catch (e) {
        return { ok: false, error: { code: 'Unavailable', message: e instanceof Error ? e.message : String(e) } };
      }
      const id = nextId++;
      return new Promise<InvokeResult<unknown>>((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ kind: 'invoke', id, channel, request }));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      void connect().catch(() => undefined);
      return () => listeners.delete(listener);
    },
  };
}

export function createApi(): WarpdeskApi {
  const bridge = window.warpdeskBridge ?? createWebSocketBridge();
  const byEvent = new Map<EventName, Set<(payload: unknown) => void>>();
  bridge.onEvent((event, payload) => {
    for (const l of byEvent.get(event) ?? []) l(payload);
  });
  return {
    host: bridge.host,
    async invoke<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const result = await bridge.invoke(channel, request);
      if (!result.ok) throw fromSerializedError(result.error);
      return result.value as ResponseOf<C>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void {
      const set = byEvent.get(event) ?? new Set();
      byEvent.set(event, set);
      const wrapped = (p: unknown): void => listener(p as EventPayloadOf<E>);
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
}

/** The sentence to show for anything thrown by an API call. */
export function errorMessage(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err && typeof (err as { message: unknown }).message === 'string') return (err as { message: string }).message;
  return String(err);
}

/** A fresh id for a request whose progress events and cancel must be correlated with it. */
export function newRequestId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** True for the typed error a cancelled request ends with: the user asked for it, so it is not shown as a failure. */
export function isCancelled(err: unknown): boolean {
  return !!err && typeof err === 'object' && (err as { code?: unknown }).code === 'Cancelled';
}
