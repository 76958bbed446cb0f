// The household CA of an HTTPS test run (FOXDEN_TEST_HTTPS=1): made once per run by
// scripts/run-tests.js (`node --import tsx test/helpers/https-ca.ts <dir>`, Foxden's own code),
// trusted by the test process through NODE_EXTRA_CA_CERTS (read by Node only at start, hence
// a separate step before the test process), and copied into every test server's data
// directory so that `https auto` issues the server's certificate from it instead of a new CA.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openTlsSource } from '../../server/tls/tls-source.js';

/** Set by scripts/run-tests.js for the HTTPS rerun. */
export const TEST_HTTPS_ENV = 'FOXDEN_TEST_HTTPS';
/** The directory holding the run's CA (`<dir>/tls/ca.crt` and `ca.key`, as in a data directory). */
export const TEST_HTTPS_CA_ENV = 'FOXDEN_TEST_HTTPS_CA_DIR';

const CA_FILES = ['ca.crt', 'ca.key'];

export function testHttps(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[TEST_HTTPS_ENV] === '1';
}

/** Makes the run's household CA in `dir` (as a data directory would hold it); returns its ca.crt. */
export async function makeRunCa(dir: string): Promise<string> {
  const source = await openTlsSource(
    { mode: 'auto' },
    { dataDir: dir, publicUrl: () => 'https://127.0.0.1/' },
  );
  source.close();
  return path.join(dir, 'tls', 'ca.crt');
}

/**
 * Gives `dataDir` the run's household CA, so the server started on it issues its certificate
 * from the CA the test process trusts. Throws with what to do when the run has none.
 */
export function giveRunCa(dataDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const from = env[TEST_HTTPS_CA_ENV];
  if (!from || !env.NODE_EXTRA_CA_CERTS) {
    throw new Error(
      `${TEST_HTTPS_ENV}=1 needs ${TEST_HTTPS_CA_ENV} and NODE_EXTRA_CA_CERTS: run through scripts/run-tests.js, ` +
        `or first "node --import tsx test/helpers/https-ca.ts DIR" and set both as it prints.`,
    );
  }
  const into = path.join(dataDir, 'tls');
  fs.mkdirSync(into, { recursive: true, mode: 0o700 });
  for (const name of CA_FILES) {
    fs.copyFileSync(path.join(from, 'tls', name), path.join(into, name));
    fs.chmodSync(path.join(into, name), 0o600);
  }
}

// As a script: makes the CA in the directory given and prints the environment to use it.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node --import tsx test/helpers/https-ca.ts DIR\n');
    process.exit(2);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = await makeRunCa(path.resolve(dir));
  process.stdout.write(`${TEST_HTTPS_CA_ENV}=${path.resolve(dir)}\nNODE_EXTRA_CA_CERTS=${caFile}\n`);
}
