#!/usr/bin/env node
// Launcher for the compiled CLI. `npm install` builds dist/ through the "prepare" script.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('foxden: dist/server/cli.js is missing; run `npm run build` first.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
