/**
 * The low-level transport both hosts give the renderer: Electron's preload (`window.warpdeskBridge`) and the
 * browser host's WebSocket client implement it; `src/renderer/src/lib/api.ts` wraps it into the typed
 * WarpdeskApi. Results cross as InvokeResult so typed errors survive contextBridge and JSON alike.
 */
import type { EventName, InvokeResult } from './contract';

export interface BridgeApi {
  host: 'electron' | 'browser';
  invoke(channel: string, request: unknown): Promise<InvokeResult<unknown>>;
  onEvent(listener: (event: EventName, payload: unknown) => void): () => void;
}
