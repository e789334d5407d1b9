/**
 * The data capability's handlers behind the contract: list, import, remove, bars at a timeframe.
 */
import type { BarsPayload } from '../../shared/contract';
import type { Bars } from '../../shared/market';
import type { Capability } from '../platform/capability';
import type { DataStore } from './store';

export function barsToPayload(b: Bars): BarsPayload {
  return { time: Array.from(b.time), open: Array.from(b.open), high: Array.from(b.high), low: Array.from(b.low), close: Array.from(b.close), volume: Array.from(b.volume) };
}

export function dataCapability(store: DataStore): Capability {
  return {
    name: 'data',
    handlers: {
      'datasets:list': () => store.list(),
      'datasets:import': (req) => store.importCsv(req.csv, { name: req.name, source: `import: ${req.name}`, timeZone: req.timeZone }),
      'datasets:remove': (req) => ({ removed: store.remove(req.datasetId) }),
      'datasets:bars': (req) => {
        const dataset = store.get(req.datasetId);
        return { dataset, timeframe: req.timeframe, bars: barsToPayload(store.bars(req.datasetId, req.timeframe)) };
      },
    },
  };
}
