#!/usr/bin/env node
// Runs every *.test.ts under test/ with Node's test runner. Node 20 does not expand globs,
// so the files are listed here. Extra arguments narrow the run: `npm test -- test/unit`.
// test/protocol and test/db then run again on PostgreSQL and on MariaDB (see below).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function collect(dir) {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return dir.endsWith('.test.ts') ? [dir] : [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => collect(path.join(dir, entry.name)))
    .sort();
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap(collect);
if (files.length === 0) {
  console.error('No test files found.');
  process.exit(1);
}
function runTests(list, env = process.env, extra = []) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', ...extra, ...list],
    { stdio: 'inherit', env },
  );
  return result.status ?? 1;
}

let status = runTests(files);

// Then Sync 1.1 and Sync 1.5 once more over HTTPS (issue 13), on SQLite: every test server
// speaks HTTPS auto from one household CA made here (Foxden's own code), which the test
// process trusts through NODE_EXTRA_CA_CERTS (Node reads it only when a process starts).
const overHttps = files.filter((file) =>
  /^test\/protocol\/sync1[15]-[^/]*\.test\.ts$/.test(
    path.relative(process.cwd(), path.resolve(file)).split(path.sep).join('/'),
  ),
);
if (!process.env.FOXDEN_TEST_HTTPS && overHttps.length > 0) {
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-test-ca-'));
  try {
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/https-ca.ts', caDir], {
      encoding: 'utf8',
    });
    if (made.status !== 0) {
      const why = (made.stderr || made.stdout || 'no answer').trim().split('\n')[0];
      console.error(`HTTPS tests cannot run: the household CA could not be made: ${why}`);
      status ||= 1;
    } else {
      console.log(`--- HTTPS: ${overHttps.length} test files with FOXDEN_TEST_HTTPS=1`);
      const env = {
        ...process.env,
        FOXDEN_TEST_HTTPS: '1',
        FOXDEN_TEST_HTTPS_CA_DIR: caDir,
        NODE_EXTRA_CA_CERTS: path.join(caDir, 'tls', 'ca.crt'),
      };
      delete env.FOXDEN_TEST_DATABASE;
      // Run whatever the main run gave: `status ||= runTests(…)` would skip it after a failure.
      const httpsStatus = runTests(overHttps, env);
      status ||= httpsStatus;
    }
  } finally {
    fs.rmSync(caDir, { recursive: true, force: true });
  }
}

// Then the protocol suite and the backend conformance suite again on each networked backend
// (scripts/test-databases.sh starts them on loopback), unless FOXDEN_TEST_DATABASE already
// chose one backend for the run above.
const BACKENDS = [
  ['postgres', 'PostgreSQL'],
  ['mysql', 'MariaDB/MySQL'],
];
const onEveryBackend = files.filter((file) => {
  const [top, dir, name] = path.relative(process.cwd(), path.resolve(file)).split(path.sep);
  // The directory's Sync 1.1 tests too: a person's storage is mapped in the database (issue 14).
  const directorySync11 = dir === 'ldap' && /^sync11-[^/]*\.test\.ts$/.test(name ?? '');
  return top === 'test' && (dir === 'protocol' || dir === 'db' || directorySync11);
});
if (!process.env.FOXDEN_TEST_DATABASE && onEveryBackend.length > 0) {
  for (const [kind, name] of BACKENDS) {
    const probe = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/database-probe.ts', kind], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) {
      const why = (probe.stdout || probe.stderr || 'no answer').trim().split('\n')[0];
      if (process.env.CI === 'true') {
        console.error(`${name} tests cannot run: ${why}`);
        status ||= 1;
      } else {
        console.log(`${name} tests skipped: ${why}`);
      }
      continue;
    }
    console.log(`--- ${name}: ${onEveryBackend.length} test files with FOXDEN_TEST_DATABASE=${kind}`);
    // --test-force-exit: a file whose setup failed half-way leaves a connection pool open, which
    // would otherwise keep its process, and the whole run, waiting for ever.
    const backendStatus = runTests(onEveryBackend, { ...process.env, FOXDEN_TEST_DATABASE: kind }, [
      '--test-force-exit',
    ]);
    status ||= backendStatus;
  }
}
process.exit(status);
