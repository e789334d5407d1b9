// Builds the three Electron targets: main (CommonJS, deps external; plus the reference engine's worker
// thread as its own entry, out/main/reference-worker.js, found next to the bundle at run time by
// src/main/engine/reference/worker.ts), preload (sandboxed: deps bundled), renderer (Svelte 5, root
// src/renderer). The browser host serves the same renderer bundle (out/renderer).
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
