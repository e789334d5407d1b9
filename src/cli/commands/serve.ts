/**
 * `warpdesk serve`: the browser host. Opens the workspace and serves the workstation on 127.0.0.1 with a
 * per-run token in the printed URL. `npm start` falls back to this when the Electron binary is missing.
 */
import { openWorkspace } from '../../main/host/capabilities';
import { shippedPath } from '../../main/platform/resources';
import { startBrowserHost } from '../../web/server';
import { intFlag, stringFlag } from '../args';
import type { Command } from '../command';
import { listening } from '../ports';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the workstation to a browser on 127.0.0.1 (needs `npm run build` first).',
  usage: 'warpdesk serve [--port P] [--data-dir DIR]',
  flags: {
    port: { type: 'string', description: 'port on 127.0.0.1 (default: a free one)' },
    renderer: { type: 'string', description: 'folder of the built renderer (default: out/renderer)' },
  },
  async run(args, io) {
    const port = intFlag(args, 'port', 0, 0, 65535);
    const workspace = openWorkspace({ dataDir: stringFlag(args, 'data-dir') });
    let host;
    try {
      host = await listening(() => startBrowserHost({ host: workspace.host, rendererDir: stringFlag(args, 'renderer') ?? shippedPath('out', 'renderer'), port }), port, '--port', 'browser host');
    } catch (err) {
      await workspace.close();
      throw err;
    }
    io.stdout(`Warpdesk is serving the workstation at ${host.url}\n(workspace ${workspace.dataDir}; press Ctrl+C to stop)\n`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await host.close();
    await workspace.close();
    return 0;
  },
};
