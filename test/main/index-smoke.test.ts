import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { ADMIN_METHODS } from '../../main/channels.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-smoke-'));
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

interface Report {
  handlers: string[];
  windows: { preload: string; sandbox: boolean; loaded?: string }[];
  trays: number;
  menus: string[];
  paths: Record<string, string>;
  storeListener: number;
  quit: boolean;
  image?: string;
}

describe('main/index.ts wiring (Electron replaced by a stub module)', () => {
  it('starts the server from the data folder, wires IPC, window and tray, and quits cleanly', () => {
    // Port 0: an ephemeral port, so the test never collides with a real Foxden.
    fs.writeFileSync(
      path.join(dataDir, 'settings.json'),
      JSON.stringify({ port: 0, publicUrl: 'http://127.0.0.1:8173/' }),
    );
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', './test/main/fixtures/electron-hooks.mjs', 'main/index.ts'],
      { cwd: root, env: { ...process.env, FOXDEN_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 },
    );
    const line = result.stdout.split('\n').find((l) => l.startsWith('REPORT '));
    assert.ok(line, `no report; exit ${result.status}\n${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(line.slice('REPORT '.length)) as Report;
    assert.equal(result.status, 0, result.stderr);
    assert.equal(report.quit, true);
    assert.equal(report.paths.userData, dataDir);
    assert.equal(report.handlers.length, ADMIN_METHODS.length);
    assert.ok(report.handlers.every((h) => h.startsWith('foxden:admin:')));
    assert.equal(report.storeListener, 0, "electron-store's sync IPC channel is removed");
    assert.equal(report.windows.length, 1);
    assert.equal(report.windows[0]?.sandbox, true);
    assert.equal(report.windows[0]?.preload, path.join(root, 'main', 'preload.cjs'));
    assert.equal(report.windows[0]?.loaded, path.join(root, 'renderer', 'index.html'));
    assert.equal(report.trays, 1);
    assert.ok(
      report.menus.some((m) => /^Running at http:\/\/127\.0\.0\.1:\d+$/.test(m)),
      JSON.stringify(report.menus),
    );
    assert.ok(fs.existsSync(path.join(dataDir, 'foxden.db')), 'database in the data folder');
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as {
      port: number;
    };
    assert.equal(saved.port, 0, 'electron-store kept the settings file');
  });
});
