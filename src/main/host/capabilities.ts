/**
 * Builds the application host for a workspace: opens the stores and registers every capability's handlers.
 * Capabilities plug in here with one line each. Used by the Electron entry, the browser host and tests.
 */
import { backtestCapability } from '../backtest/capability';
import { runSweepParallel } from '../backtest';
import { dataCapability } from '../data/capability';
import { evaluationCapability } from '../evaluation';
import { DataStore, ensureSamples } from '../data';
import { fileKeyProvider, type KeyringProtection } from '../memory';
import { memoryCapability } from '../memory/capability';
import { memorySink, type ExperienceSink, type SecretBox } from '../swarm';
import { swarmCapability } from '../swarm/capability';
import { strategyCapability } from '../strategy';
import { Host } from './host';
import { resolveDataDir } from '../platform/workspace';
import { shippedPath } from '../platform/resources';

export interface WorkspaceOptions {
  /** Workspace folder; defaults to resolveDataDir(). */
  dataDir?: string;
  /** Import the shipped samples into an empty workspace (default true). */
  samples?: boolean;
  /** Folder holding resources/ (default: the app root). */
  resourcesDir?: string;
  /** OS-backed sealing of the workspace's secrets (the Electron entry passes safeStorage); headless: key files / env vars. */
  secrets?: { memoryKeyring?: KeyringProtection; swarmIdentity?: SecretBox };
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
  if (options.samples !== false) ensureSamples(data, options.resourcesDir ?? shippedPath('resources'));
  const host = new Host();
  host.register(dataCapability(data));
  const keyProvider = options.secrets?.memoryKeyring ? fileKeyProvider({ dataDir, protect: options.secrets.memoryKeyring }) : undefined;
  const memory = memoryCapability({ dataDir, data, keyProvider });
  host.register(memory);
  // Experiences shared by other agents land in this workspace's memory (opened on first use).
  const sink: ExperienceSink = {
    async accept(record, meta) {
      await memorySink(await memory.memory()).accept(record, meta);
    },
  };
  // A joined agent runs sweep batches with the backtester, in one worker process (its event loop stays free).
  const sweepExecutor = (jobs: Parameters<typeof runSweepParallel>[0]) => runSweepParallel(jobs, { workers: 1 });
  const swarm = swarmCapability({ dataDir, emit: (e, p) => host.emit(e, p), bars: (id, tf) => data.bars(id, tf), sink, box: options.secrets?.swarmIdentity, sweepExecutor });
  // What the learning loop judges here is shared with the swarm while this workspace is joined as an agent
  // (a no-op otherwise); strategy and backtest know only the hook, not the swarm.
  host.register(strategyCapability({ data, memory: () => memory.memory(), emit: (e, p) => host.emit(e, p), onJudged: (m, id) => swarm.shareJudged(m, id) }));
  host.register(
    backtestCapability({
      dataDir,
      bars: (id, tf) => data.bars(id, tf),
      memory: () => memory.memory(),
      datasetName: (id) => data.get(id).name,
      emit: (e, p) => host.emit(e, p),
      onJudged: (id) => {
        if (swarm.agent()) void memory.memory().then((m) => swarm.shareJudged(m, id));
      },
    }),
  );
  host.register(evaluationCapability({ bars: (id, tf) => data.bars(id, tf), datasetName: (id) => data.get(id).name }));
  host.register(swarm);
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
