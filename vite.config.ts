import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The admin listener serves dist/renderer under a strict CSP (script-src 'self',
// style-src 'self'): everything must be a file, nothing inlined into index.html.
const adminUrl = process.env.FOXDEN_ADMIN_URL?.replace(/\/$/, '');

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // data: URLs for small assets would be fine for images but not for scripts or fonts; keep files.
    assetsInlineLimit: 0,
    // The polyfill is injected as code into the entry chunk; modern Chromium/Electron do not need it.
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    // `FOXDEN_ADMIN_URL=http://127.0.0.1:8174 npm run dev:gui`, then open
    // http://127.0.0.1:5173/#token=<token>: the real admin listener answers the API. It checks
    // Host and Origin against its own address, so the proxy presents itself as that origin.
    proxy: adminUrl
      ? { '/api': { target: adminUrl, changeOrigin: true, headers: { origin: adminUrl } } }
      : {},
  },
});
