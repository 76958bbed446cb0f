import { defineConfig } from 'vite';

// The dashboard window's preload runs sandboxed: CommonJS, and require() knows only 'electron'.
// So main/preload.ts is bundled with what it imports (the channel list of main/channels.ts)
// into one file beside the compiled main process, where main/paths.ts looks for it.
export default defineConfig({
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/main',
    // tsc -p tsconfig.main.json has just written the rest of dist/main.
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    sourcemap: false,
    lib: {
      entry: 'main/preload.ts',
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
