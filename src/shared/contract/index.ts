/**
 * The one typed contract between the renderer and the main side, used by main (Electron IPC), the preload,
 * the renderer and the browser host alike. Each capability declares its channels and events in its own
 * file here; this module merges them. Adding a capability = one file + one spread below.
 * Must never import Node, Electron or the DOM.
 */
import type { z } from 'zod';
import { WarpdeskError } from '../errors';
import { backtestChannels, backtestEvents } from './backtest';
import { dataChannels } from './data';
import { evaluationChannels, evaluationEvents } from './evaluation';
import type { ChannelDef } from './define';
import { memoryChannels, memoryEvents } from './memory';
import { strategyChannels, strategyEvents } from './strategy';
import { swarmChannels, swarmEvents } from './swarm';

export * from './backtest';
export * from './define';
export * from './data';
export * from './evaluation';
export * from './memory';
export * from './strategy';
export * from './swarm';

export const CHANNELS = {
  ...backtestChannels,
  ...dataChannels,
  ...evaluationChannels,
  ...memoryChannels,
  ...strategyChannels,
  ...swarmChannels,
} as const satisfies Record<string, ChannelDef>;

export const EVENTS = {
  ...backtestEvents,
  ...evaluationEvents,
  ...memoryEvents,
  ...strategyEvents,
  ...swarmEvents,
} as const satisfies Record<string, z.ZodType>;

export type ChannelName = keyof typeof CHANNELS;
export type EventName = keyof typeof EVENTS;
export type RequestOf<C extends ChannelName> = z.input<(typeof CHANNELS)[C]['request']>;
export type ParsedRequestOf<C extends ChannelName> = z.output<(typeof CHANNELS)[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<(typeof CHANNELS)[C]['response']>;
export type EventPayloadOf<E extends EventName> = z.output<(typeof EVENTS)[E]>;

/** The API the renderer sees, whether it runs in Electron (preload) or in a browser (WebSocket host). */
export interface WarpdeskApi {
  /** Where the renderer runs. */
  readonly host: 'electron' | 'browser';
  invoke<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void;
}

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CHANNELS, value);
}

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, value);
}

/** Validates a request at the boundary; throws WarpdeskError('InvalidInput') naming the first problem. */
export function validateRequest<C extends ChannelName>(name: C, request: unknown): ParsedRequestOf<C> {
  const parsed = CHANNELS[name].request.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
    throw new WarpdeskError('InvalidInput', `The request to ${name} is not valid${where}: ${issue?.message ?? 'unknown problem'}.`);
  }
  return parsed.data as ParsedRequestOf<C>;
}
