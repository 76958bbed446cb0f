import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { trayIconFile, type TrayIconState } from '../../main/tray.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Width, height and colour type from a PNG's IHDR chunk. */
function pngInfo(file: string): { width: number; height: number; colorType: number } {
  const buf = fs.readFileSync(file);
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${file} is a PNG`);
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colorType: buf[25]! };
}

const RGBA = 6;

describe('icons', () => {
  it('the app icon set exists at every size, square, with alpha', () => {
    for (const size of [16, 32, 48, 64, 128, 256, 512, 1024]) {
      const info = pngInfo(path.join(root, 'assets', 'icons', `${size}x${size}.png`));
      assert.deepEqual(info, { width: size, height: size, colorType: RGBA });
    }
    assert.deepEqual(pngInfo(path.join(root, 'assets', 'icon.png')), {
      width: 1024,
      height: 1024,
      colorType: RGBA,
    });
  });

  it('every tray icon the app can ask for exists, with its @2x variant', () => {
    const states: TrayIconState[] = ['running', 'stopped', 'warning'];
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const state of states) {
        const file = path.join(root, 'assets', 'tray', trayIconFile(state, platform));
        assert.deepEqual(pngInfo(file), { width: 16, height: 16, colorType: RGBA });
        assert.deepEqual(pngInfo(file.replace(/\.png$/, '@2x.png')), {
          width: 32,
          height: 32,
          colorType: RGBA,
        });
      }
    }
  });
});

describe('packaging configuration', () => {
  const yml = fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    main: string;
    scripts: Record<string, string>;
  };

  it('package.json points Electron at the compiled main entry, which tsconfig.main.json emits', () => {
    assert.equal(pkg.main, 'dist/main/index.js');
    assert.match(pkg.scripts.build ?? '', /tsconfig\.main\.json/);
    assert.match(pkg.scripts.start ?? '', /^electron \.$/);
    assert.match(pkg.scripts.prestart ?? '', /build-electron-native\.js --if-missing/);
    assert.match(pkg.scripts.dist ?? '', /electron-builder/);
    assert.ok(pkg.scripts.serve, 'headless mode keeps its script');
  });

  it('ships the compiled app and icons, unpacks the SQLite addon, leaves tests out', () => {
    for (const needed of [
      'dist/main/**',
      'dist/renderer/**',
      'dist/server/**',
      'dist/fxa-page/**',
      'assets/tray/**',
      'package.json',
    ]) {
      assert.ok(yml.includes(`- ${needed}`), needed);
    }
    assert.match(yml, /asarUnpack:\n\s+- node_modules\/better-sqlite3\/\*\*\/\*\.node/);
    assert.match(yml, /['"]!test\/\*\*['"]/);
    assert.match(yml, /LSUIElement: true/);
    assert.match(yml, /perMachine: false/);
    assert.match(yml, /category: Network/);
  });
});
