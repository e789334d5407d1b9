/**
 * The application host: the Electron-free service layer behind the contract. It owns the workspace
 * (databases, services), validates every request once (`invoke`), dispatches it to the capability that
 * handles the channel, and fans events out to whoever listens (Electron IPC or the browser host).
 * Transports (src/main/electron, src/web) are thin adapters over `Host.invoke` and `Host.onEvent`.
 * Never imports Electron.
 */
import { CHANNELS, isChannelName, validateRequest, type ChannelName, type EventName, type EventPayloadOf, type InvokeResult } from '../../shared/contract';
import { toSerializedError, WarpdeskError } from '../../shared/errors';
import type { Capability, Handler, HandlerContext, HandlerMap } from '../platform/capability';

export type { Capability, Handler, HandlerContext, HandlerMap };

type Listener = (event: EventName, payload: unknown) => void;

export class Host {
  private readonly handlers = new Map<ChannelName, Handler<ChannelName>>();
  private readonly listeners = new Set<Listener>();
  private readonly capabilities: Capability[] = [];

  register(capability: Capability): void {
    for (const [name, handler] of Object.entries(capability.handlers) as Array<[ChannelName, Handler<ChannelName>]>) {
      if (this.handlers.has(name)) throw new Error(`Channel ${name} is handled twice.`);
      this.handlers.set(name, handler);
    }
    this.capabilities.push(capability);
  }

  /** Channels of the contract that no capability handles (for start-up checks and tests). */
  unhandledChannels(): ChannelName[] {
    return (Object.keys(CHANNELS) as ChannelName[]).filter((c) => !this.handlers.has(c));
  }

  /** Validates and dispatches one request that crossed a boundary; never throws. */
  async invoke(channel: unknown, request: unknown): Promise<InvokeResult<unknown>> {
    try {
      if (!isChannelName(channel)) throw new WarpdeskError('InvalidInput', `Unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}.`);
      const handler = this.handlers.get(channel);
      if (!handler) throw new WarpdeskError('Unavailable', `This Warpdesk build does not handle ${channel} yet.`);
      const parsed = validateRequest(channel, request);
      const value = await handler(parsed, { emit: (e, p) => this.emit(e, p) });
      return { ok: true, value };
    } catch (err) {
      return { ok: false, error: toSerializedError(err) };
    }
  }

  emit<E extends EventName>(event: E, payload: EventPayloadOf<E>): void {
    for (const l of this.listeners) l(event, payload);
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const c of [...this.capabilities].reverse()) await c.close?.();
    this.listeners.clear();
  }
}
