/**
 * The preload: exposes the typed contract to the sandboxed renderer as `window.warpdeskBridge`, with
 * contextBridge. Kept tiny on purpose (no schemas bundled): main validates every request. It never
 * exposes ipcRenderer or any Node API.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventName, InvokeResult } from '../shared/contract';
import type { BridgeApi } from '../shared/bridge';

const bridge: BridgeApi = {
  host: 'electron',
  invoke(channel: string, request: unknown): Promise<InvokeResult<unknown>> {
    // Channel names and payloads are validated in main, once, where they enter.
    if (typeof channel !== 'string') return Promise.resolve({ ok: false, error: { code: 'InvalidInput', message: 'A channel name must be a string.' } });
    return ipcRenderer.invoke('warpdesk:invoke', channel, request) as Promise<InvokeResult<unknown>>;
  },
  onEvent(listener: (event: EventName, payload: unknown) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, event: unknown, payload: unknown): void => {
      if (typeof event === 'string') listener(event as EventName, payload);
    };
    ipcRenderer.on('warpdesk:event', wrapped);
    return () => {
      ipcRenderer.removeListener('warpdesk:event', wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('warpdeskBridge', bridge);
