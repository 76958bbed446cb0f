import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { ConfigError, loadConfig, type ConfigFlags } from '../../server/config-load.js';

/**
 * loadConfig as the config tests call it: a private folder for ini files (removed after the
 * file's tests) that is also the working directory, and a one-line ConfigError check.
 */
export function configFiles(prefix = 'foxden-config-') {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  let counter = 0;

  /** Writes an ini file with `text` in `dir` (the private folder by default). */
  function iniFile(text: string, dir = tmp): string {
    const file = path.join(dir, `c${++counter}.ini`);
    fs.writeFileSync(file, text);
    return file;
  }

  function load(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = {}) {
    return loadConfig({ flags, env, cwd: tmp });
  }

  /** Loading throws a ConfigError of one line that matches `pattern`. */
  function refuses(flags: ConfigFlags, env: NodeJS.ProcessEnv, pattern: RegExp): void {
    assert.throws(
      () => load(flags, env),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes('\n'), 'one line');
        return true;
      },
    );
  }

  return { tmp, iniFile, load, refuses };
}
