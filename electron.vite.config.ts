// Builds the three Electron targets: main (CommonJS, deps external), preload (sandboxed: deps bundled),
// renderer (Svelte 5, root src/renderer). The browser host serves the same renderer bundle (out/renderer).
// The main build also compiles everything else that runs outside the renderer, so nothing needs TypeScript at
// run time (docs/adr/0011-packaging.md): the `warpdesk` CLI (out/main/cli.js, run by bin/warpdesk.cjs), the
// backtest worker process (out/main/sweep-worker.js, src/main/backtest/worker-entry.ts finds it), the
// evaluation's fold worker (out/main/fold-worker.js, found the same way) and the
// reference engine's worker thread (out/main/reference-worker.js, src/main/engine/reference/worker.ts).
// Shared code lands in out/main/chunks/; each worker looks for its file next to the running bundle or one up.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/electron/index.ts'),
          'reference-worker': resolve(__dirname, 'src/main/engine/reference/worker-thread.ts'),
          'sweep-worker': resolve(__dirname, 'src/main/backtest/sweep-worker.ts'),
          'fold-worker': resolve(__dirname, 'src/main/evaluation/fold-worker.ts'),
          cli: resolve(__dirname, 'src/cli/main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: false,
      rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    base: './',
    build: {
      rollupOptions: { input: resolve(__dirname, 'src/renderer/index.html') },
      chunkSizeWarningLimit: 1024,
    },
    plugins: [svelte({ configFile: resolve(__dirname, 'svelte.config.mjs') })],
  },
});
