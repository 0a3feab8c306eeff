import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The page is built into dist/web, which the server serves (and nothing else).
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
});
