#!/usr/bin/env node
// Launcher for the compiled CLI. `npm install` builds dist/ through the "prepare" script.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('foxden: dist/server/cli.js is missing; run `npm run build` first.\n');
  process.exit(1);
}
// `foxden serve`: V8's heap tuning (server/heap.ts) before any of the CLI's modules is
// compiled, so the young generation is pinned at the size a fresh process has, not the one
// compiling them grew it to (bench/README.md).
if (process.argv[2] === 'serve') {
  const { tuneHeapForServer } = await import(new URL('../dist/server/heap.js', import.meta.url).href);
  tuneHeapForServer();
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
