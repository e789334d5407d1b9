/**
 * Building blocks of the typed contract: a channel is a request schema and a response schema; an event is
 * a payload schema. Schemas are zod; requests are validated once, where they enter the main side (Electron
 * IPC or the browser host's WebSocket), by `validateRequest`. Must never import Node, Electron or the DOM.
 */
import { z } from 'zod';
import type { SerializedError } from '../errors';

export interface ChannelDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  request: Req;
  response: Res;
  /** One sentence: what the channel does. */
  summary: string;
}

export function channel<Req extends z.ZodType, Res extends z.ZodType>(summary: string, request: Req, response: Res): ChannelDef<Req, Res> {
  return { summary, request, response };
}

/** What every invoke returns across a process or network boundary. */
export type InvokeResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/**
 * The browser host's WebSocket subprotocols (ADR 0003): the client offers `WS_PROTOCOL` and
 * `WS_TOKEN_PROTOCOL_PREFIX + token`; the host selects `WS_PROTOCOL` and never echoes the token.
 */
export const WS_PROTOCOL = 'warpdesk.v1';
export const WS_TOKEN_PROTOCOL_PREFIX = 'warpdesk.token.';
/** Where the printed URL carries the token: `http://127.0.0.1:PORT/#token=...` (fragments never leave the browser). */
export const URL_TOKEN_FRAGMENT = 'token';

/** Frames of the browser host's WebSocket (JSON). */
export interface WsInvokeFrame {
  kind: 'invoke';
  id: number;
  channel: string;
  request: unknown;
}
export type WsServerFrame = { kind: 'result'; id: number; result: InvokeResult<unknown> } | { kind: 'event'; event: string; payload: unknown };
