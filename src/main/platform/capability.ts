/**
 * The types every capability implements to plug into the host: a named set of handlers for contract
 * channels, plus an optional close hook. Lives in the platform layer so capabilities never import the host.
 * Must never import a capability or the host.
 */
import type { ChannelName, EventName, EventPayloadOf, ParsedRequestOf, ResponseOf } from '../../shared/contract';

/** What a handler receives besides its validated request. */
export interface HandlerContext {
  emit<E extends EventName>(event: E, payload: EventPayloadOf<E>): void;
}

export type Handler<C extends ChannelName> = (request: ParsedRequestOf<C>, ctx: HandlerContext) => Promise<ResponseOf<C>> | ResponseOf<C>;
export type HandlerMap = { [C in ChannelName]?: Handler<C> };

/** A capability plugs into the host with its handlers and an optional close hook. */
export interface Capability {
  name: string;
  handlers: HandlerMap;
  close?(): void | Promise<void>;
}
