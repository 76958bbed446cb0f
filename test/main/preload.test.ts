import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { build, type Rolldown } from 'vite';
import { ADMIN_METHODS, channelFor } from '../../main/channels.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The preload as `npm run build` bundles it (vite.preload.config.ts), built in memory. */
async function bundlePreload(): Promise<string> {
  const result = await build({
    root,
    configFile: path.join(root, 'vite.preload.config.ts'),
    logLevel: 'silent',
    build: { write: false },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = outputs
    .flatMap((o) => o.output)
    .find((o) => o.type === 'chunk' && o.fileName === 'preload.cjs');
  if (!chunk || chunk.type !== 'chunk') throw new Error('the preload bundle has no preload.cjs');
  return chunk.code;
}
const outputText = await bundlePreload();

interface Loaded {
  exposed: Map<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
  invocations: { channel: string; args: unknown[] }[];
  required: string[];
}

/**
 * Runs the preload as a sandboxed renderer does: CommonJS, a `require` that knows only
 * 'electron', and a fake contextBridge / ipcRenderer.
 */
function loadPreload(reply: (channel: string, args: unknown[]) => unknown): Loaded {
  const loaded: Loaded = { exposed: new Map(), invocations: [], required: [] };
  const electron = {
    contextBridge: {
      exposeInMainWorld(key: string, api: Record<string, (...args: unknown[]) => Promise<unknown>>) {
        if (loaded.exposed.has(key)) throw new Error(`${key} exposed twice`);
        loaded.exposed.set(key, api);
      },
    },
    ipcRenderer: {
      async invoke(channel: string, ...args: unknown[]) {
        loaded.invocations.push({ channel, args });
        return reply(channel, args);
      },
    },
  };
  const sandboxRequire = (name: string) => {
    loaded.required.push(name);
    if (name !== 'electron') throw new Error(`module not found: ${name}`);
    return electron;
  };
  const exports = {};
  new Function('require', 'process', 'exports', 'module', outputText)(sandboxRequire, {}, exports, {
    exports,
  });
  return loaded;
}

describe('preload', () => {
  it('exposes window.foxden and nothing else, requiring only electron', () => {
    const loaded = loadPreload(() => ({ ok: true, value: null }));
    assert.deepEqual([...loaded.exposed.keys()], ['foxden']);
    assert.deepEqual(loaded.required, ['electron']);
  });

  it('window.foxden has exactly the AdminApi methods (same list as main/channels.ts)', () => {
    const api = loadPreload(() => ({ ok: true, value: null })).exposed.get('foxden')!;
    assert.deepEqual(Object.keys(api).sort(), [...ADMIN_METHODS].sort());
    for (const method of ADMIN_METHODS) assert.equal(typeof api[method], 'function');
    assert.ok(Object.isFrozen(api));
  });

  it('a call goes to its own channel with its arguments and resolves with the value', async () => {
    const loaded = loadPreload((channel) => ({ ok: true, value: `answer from ${channel}` }));
    const api = loaded.exposed.get('foxden')!;
    const input = { kind: 'sync11', name: 'alice', password: 'correct horse' };
    assert.equal(await api.createAccount!(input), `answer from ${channelFor('createAccount')}`);
    assert.deepEqual(loaded.invocations, [{ channel: channelFor('createAccount'), args: [input] }]);
  });

  it('a refusal rejects with a plain {code, message, field} object', async () => {
    const api = loadPreload(() => ({
      ok: false,
      error: { code: 'invalid-argument', message: 'Choose a longer password.', field: 'password' },
    })).exposed.get('foxden')!;
    await assert.rejects(api.resetPassword!({ kind: 'sync11', id: 'a', password: 'x' }), (err: unknown) => {
      assert.deepEqual(err, {
        code: 'invalid-argument',
        message: 'Choose a longer password.',
        field: 'password',
      });
      return true;
    });
  });

  it('an unexpected reply rejects as internal', async () => {
    const api = loadPreload(() => 'garbage').exposed.get('foxden')!;
    await assert.rejects(api.status!(), { code: 'internal' });
  });
});
