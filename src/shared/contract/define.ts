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

/** Frames of the browser host's WebSocket (JSON). */
export interface WsInvokeFrame {
  kind: 'invoke';
  id: number;
  channel: string;
  request: unknown;
}
export type WsServerFrame =
  | { kind: 'result'; id: number; result: InvokeResult<unknown> }
  | { kind: 'event'; event: string; payload: unknown };
