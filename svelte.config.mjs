// Svelte 5 configuration for the renderer (passed explicitly to the Vite plugin; see TOOLCHAIN gotcha 4).
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
};
