import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Which part of server/ may import which (issue 9 item 5): the two protocol adapters talk
 * only through interfaces wired in server/app.ts, and the database layer does not depend on
 * the storage engine that sits on top of it.
 */
const RULES: { from: string; mayNotImport: string; why: string }[] = [
  { from: 'fxa', mayNotImport: 'sync15', why: 'local accounts and Sync 1.5 meet in server/app.ts' },
  { from: 'sync15', mayNotImport: 'fxa', why: 'the tokenserver declares LocalTokenIssuer instead' },
  { from: 'db', mayNotImport: 'storage', why: 'record and query types live in server/db/records.ts' },
];

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server');

function tsFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).flatMap((name) => {
    const file = path.join(dir, name);
    return file.endsWith('.ts') && fs.statSync(file).isFile() ? [file] : [];
  });
}

/** The server folder a path lies in ('fxa', 'db', ...), or null for files at server/'s top. */
function areaOf(serverRoot: string, file: string): string | null {
  const parts = path.relative(serverRoot, file).split(path.sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0]! : null;
}

/**
 * Every relative module a file names: static imports, `export ... from`, `import type` and
 * dynamic `import()`, as TypeScript's own pre-processor finds them (comments and strings
 * that merely look like imports are not counted).
 */
function importsOf(file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.resolve(path.dirname(file), name).replace(/\.js$/, '.ts'));
}

/** Broken rules as "server/a/x.ts imports server/b/y.ts (why)", for the files given. */
function violations(serverRoot: string, files: { file: string; text: string }[]): string[] {
  const out: string[] = [];
  for (const { file, text } of files) {
    const from = areaOf(serverRoot, file);
    for (const target of importsOf(file, text)) {
      const to = areaOf(serverRoot, target);
      for (const rule of RULES) {
        if (rule.from === from && rule.mayNotImport === to) {
          const rel = (p: string) => path.relative(path.dirname(serverRoot), p);
          out.push(`${rel(file)} imports ${rel(target)} (${rule.why})`);
        }
      }
    }
  }
  return out;
}

function serverFiles(serverRoot: string): { file: string; text: string }[] {
  return tsFilesUnder(serverRoot).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
}

test('no server module crosses an adapter or layer boundary', () => {
  const files = serverFiles(SERVER);
  assert.ok(files.length > 100, `only ${files.length} .ts files found under ${SERVER}`);
  assert.deepEqual(violations(SERVER, files), []);
});

test('the scanner sees the imports it judges', () => {
  const files = serverFiles(SERVER);
  const hawkAuth = files.find((f) => f.file === path.join(SERVER, 'sync15/hawk-auth.ts'));
  assert.ok(hawkAuth, 'server/sync15/hawk-auth.ts not found');
  assert.ok(
    importsOf(hawkAuth.file, hawkAuth.text).includes(path.join(SERVER, 'http/hawk/signing.ts')),
    'hawk-auth.ts should be seen importing http/hawk/signing.ts',
  );
});

test('each rule reports a crossing, whatever form the import takes', () => {
  const at = (rel: string) => path.join(SERVER, rel);
  const found = violations(SERVER, [
    { file: at('fxa/x.ts'), text: "import { a } from '../sync15/tokenserver/errors.js';" },
    { file: at('sync15/tokenserver/x.ts'), text: "import type { B } from '../../fxa/tokenserver-trust.js';" },
    { file: at('db/sqlite/x.ts'), text: "export type { C } from '../../storage/types.js';" },
    { file: at('fxa/y.ts'), text: "const m = await import('../sync15/index.js');" },
    // Allowed: a neighbour with a similar name, the shared Hawk code, comments.
    { file: at('db/z.ts'), text: "import type { H } from '../storage-health.js';" },
    { file: at('fxa/z.ts'), text: "import { h } from '../http/hawk/signing.js'; // not '../sync15/hawk.js'" },
  ]);
  assert.deepEqual(found, [
    'server/fxa/x.ts imports server/sync15/tokenserver/errors.ts (local accounts and Sync 1.5 meet in server/app.ts)',
    'server/sync15/tokenserver/x.ts imports server/fxa/tokenserver-trust.ts (the tokenserver declares LocalTokenIssuer instead)',
    'server/db/sqlite/x.ts imports server/storage/types.ts (record and query types live in server/db/records.ts)',
    'server/fxa/y.ts imports server/sync15/index.ts (local accounts and Sync 1.5 meet in server/app.ts)',
  ]);
});
