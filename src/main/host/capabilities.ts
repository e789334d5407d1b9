/**
 * Builds the application host for a workspace: opens the stores and registers every capability's handlers.
 * Capabilities plug in here with one line each. Used by the Electron entry, the browser host and tests.
 */
import path from 'node:path';
import { backtestCapability } from '../backtest/capability';
import { dataCapability } from '../data/capability';
import { ensureSamples } from '../data/samples';
import { DataStore } from '../data/store';
import { memoryCapability } from '../memory/capability';
import { searchCapability } from '../search/capability';
import { swarmCapability } from '../swarm/capability';
import { Host } from './host';
import { appRoot, resolveDataDir } from './workspace';

export interface WorkspaceOptions {
  /** Workspace folder; defaults to resolveDataDir(). */
  dataDir?: string;
  /** Import the shipped samples into an empty workspace (default true). */
  samples?: boolean;
  /** Folder holding resources/ (default: the app root). */
  resourcesDir?: string;
}

export interface Workspace {
  dataDir: string;
  host: Host;
  data: DataStore;
  close(): Promise<void>;
}

export function openWorkspace(options: WorkspaceOptions = {}): Workspace {
  const dataDir = resolveDataDir(options.dataDir);
  const data = DataStore.open(dataDir);
  if (options.samples !== false) ensureSamples(data, options.resourcesDir ?? path.join(appRoot(), 'resources'));
  const host = new Host();
  host.register(dataCapability(data));
  host.register(searchCapability(data));
  host.register(memoryCapability({ dataDir, data, emit: (e, p) => host.emit(e, p) }));
  host.register(backtestCapability({ dataDir, bars: (id, tf) => data.bars(id, tf) }));
  host.register(swarmCapability({ dataDir, emit: (e, p) => host.emit(e, p), bars: (id, tf) => data.bars(id, tf) }));
  return {
    dataDir,
    host,
    data,
    async close() {
      await host.close();
      data.close();
    },
  };
}
