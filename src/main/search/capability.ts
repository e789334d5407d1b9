/**
 * The search capability's handlers: runs analog searches off the JS thread with progress events, and
 * cancels them by request id.
 */
import { WarpdeskError } from '../../shared/errors';
import type { DataStore } from '../data/store';
import { getEngine } from '../engine';
import type { Capability } from '../platform/capability';
import { findAnalogs } from './analogs';

export function searchCapability(store: DataStore): Capability {
  const running = new Map<string, AbortController>();
  return {
    name: 'search',
    handlers: {
      'search:run': async (req, ctx) => {
        if (running.has(req.requestId)) throw new WarpdeskError('Conflict', `A search with id ${req.requestId} is already running.`);
        const bars = store.bars(req.datasetId, req.timeframe);
        const controller = new AbortController();
        running.set(req.requestId, controller);
        let lastSent = -1;
        try {
          const result = await findAnalogs(getEngine(), bars, req, {
            signal: controller.signal,
            onProgress: (fraction) => {
              // At most ~100 events per search.
              if (fraction - lastSent >= 0.01 || fraction === 1) {
                lastSent = fraction;
                ctx.emit('search:progress', { requestId: req.requestId, fraction: Math.min(1, Math.max(0, fraction)) });
              }
            },
          });
          return { requestId: req.requestId, ...result };
        } finally {
          running.delete(req.requestId);
        }
      },
      'search:cancel': (req) => {
        const c = running.get(req.requestId);
        c?.abort();
        return { cancelled: c !== undefined };
      },
    },
    close() {
      for (const c of running.values()) c.abort();
    },
  };
}
