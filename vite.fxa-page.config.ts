import { defineConfig } from 'vite';

// The local-accounts sign-in page (server/fxa/page) is served under a strict CSP
// (script-src 'self'; style-src 'self'), so the script and the stylesheet are plain files with
// fixed names, and @noble/* is bundled in: the household may have no internet (fxa-local.md §7).
export default defineConfig({
  root: 'server/fxa/page/client',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: '../../../../dist/fxa-page',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: false,
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { signin: 'server/fxa/page/client/main.ts' },
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: '[name].js',
        assetFileNames: '[name][extname]',
      },
    },
  },
});
