import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SETTINGS_SCHEMA } from '../../main/settings.js';
import { AdminError } from '../../server/admin/api.js';
import { coerceSettings, DEFAULT_SETTINGS } from '../../server/admin/settings.js';
import { BACKUP_LIMITS, PORT_RANGE, SETTING_KEYS } from '../../server/admin/settings-schema.js';
import { validateArgs } from '../../server/admin/validate.js';
import {
  settingErrors,
  typedNumber,
  validateBackupKeep,
  validatePath,
  validatePort,
  validatePublicUrl,
} from '../../renderer/validate.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The server's refusal of one settings patch: its message. */
function serverSays(patch: Record<string, unknown>): string {
  try {
    validateArgs('updateSettings', [patch]);
  } catch (err) {
    assert.ok(err instanceof AdminError && err.code === 'invalid-argument');
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(patch)}`);
}

test('the settings schema imports nothing from Node, so the dashboard bundles the same file', () => {
  const source = fs.readFileSync(path.join(ROOT, 'server/admin/settings-schema.ts'), 'utf8');
  const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
  assert.deepEqual(imports, ['zod/mini']);
  assert.doesNotMatch(source, /\bprocess\.|\brequire\(/);
  // The dashboard imports it through renderer/validate.ts.
  assert.match(fs.readFileSync(path.join(ROOT, 'renderer/validate.ts'), 'utf8'), /settings-schema\.js/);
});

test('one list of keys: defaults, the stored file, the electron-store schema and the update check agree', () => {
  assert.deepEqual(Object.keys(DEFAULT_SETTINGS), SETTING_KEYS);
  assert.deepEqual(Object.keys(SETTINGS_SCHEMA), SETTING_KEYS);
  assert.deepEqual(Object.keys(coerceSettings({})), SETTING_KEYS);
  for (const key of SETTING_KEYS) {
    assert.deepEqual(SETTINGS_SCHEMA[key].default, DEFAULT_SETTINGS[key], `default of ${key}`);
    // Every key can be set with its default value.
    assert.deepEqual(validateArgs('updateSettings', [{ [key]: DEFAULT_SETTINGS[key] }]), [
      { [key]: DEFAULT_SETTINGS[key] },
    ]);
  }
  assert.throws(() => validateArgs('updateSettings', [{ dataDir: '/tmp' }]), /"dataDir"/);
});

test('one set of limits: the update check, the stored file and the JSON schema use the same bounds', () => {
  const bounds = {
    port: [PORT_RANGE.min, PORT_RANGE.max],
    backupEveryHours: [0, BACKUP_LIMITS.maxEveryHours],
    backupKeep: [BACKUP_LIMITS.minKeep, BACKUP_LIMITS.maxKeep],
  } as const;
  for (const [key, [min, max]] of Object.entries(bounds)) {
    for (const ok of [min, max])
      assert.deepEqual(validateArgs('updateSettings', [{ [key]: ok }]), [{ [key]: ok }]);
    for (const bad of [min - 1, max + 1]) {
      assert.match(serverSays({ [key]: bad }), new RegExp(`between ${min} and ${max}`));
    }
    const json = SETTINGS_SCHEMA[key as keyof typeof bounds];
    // A stored file may also hold port 0 ("any free port"); otherwise the same bounds.
    assert.equal(json.minimum, key === 'port' ? 0 : min);
    assert.equal(json.maximum, max);
    assert.equal(coerceSettings({ [key]: max })[key as keyof typeof bounds], max);
    assert.equal(
      coerceSettings({ [key]: max + 1 })[key as keyof typeof bounds],
      DEFAULT_SETTINGS[key as keyof typeof bounds],
    );
  }
});

test('a key that is present must hold a value: { port: undefined } is refused, not read as unchanged', () => {
  assert.match(serverSays({ port: undefined }), /whole number between 1 and 65535/);
  assert.match(serverSays({ backupFolder: undefined }), /file path must be text/);
});

test('the dashboard says the same sentence as the server for the same mistake', () => {
  const cases: [string | null, Record<string, unknown>][] = [
    [validatePublicUrl('ftp://example.org/'), { publicUrl: 'ftp://example.org/' }],
    [validatePublicUrl('http://my host/'), { publicUrl: 'http://my host/' }],
    [validatePublicUrl('http://user:pw@example.org/'), { publicUrl: 'http://user:pw@example.org/' }],
    [validatePublicUrl('http://example.org/?a=1'), { publicUrl: 'http://example.org/?a=1' }],
    [validatePublicUrl(''), { publicUrl: '' }],
    [validatePort('0'), { port: 0 }],
    [validatePort('70000'), { port: 70000 }],
    [validatePort('80a'), { port: '80a' }],
    [validatePath('relative/dir'), { backupFolder: 'relative/dir' }],
    [validateBackupKeep('0'), { backupKeep: 0 }],
    [validateBackupKeep('many'), { backupKeep: 'many' }],
  ];
  for (const [dashboard, patch] of cases) {
    assert.ok(dashboard, `the dashboard refuses ${JSON.stringify(patch)}`);
    assert.equal(dashboard, serverSays(patch));
  }
  for (const ok of [
    validatePublicUrl(' https://sync.example.org/ '),
    validatePort('8173'),
    validatePath('/srv/backups'),
    validateBackupKeep('7'),
  ]) {
    assert.equal(ok, null);
  }
});

test('the other admin methods keep their sentences on zod: an unknown key first, a missing key by its rule', () => {
  const refusal = (method: Parameters<typeof validateArgs>[0], arg: unknown) => {
    try {
      validateArgs(method, [arg]);
    } catch (err) {
      assert.ok(err instanceof AdminError);
      return [err.field, err.message];
    }
    return assert.fail('accepted');
  };
  assert.deepEqual(refusal('createAccount', { kind: 'bad', name: 'a', password: '12345678', admin: true }), [
    'admin',
    '"admin" is not something that can be set here.',
  ]);
  assert.deepEqual(refusal('createAccount', {}), ['kind', 'The account kind must be "sync11" or "local".']);
  assert.deepEqual(refusal('createAccount', { kind: 'sync11' }), ['name', 'The name must be text.']);
  assert.deepEqual(refusal('deleteAccount', { kind: 'sync11' }), ['id', 'The account must be text.']);
  assert.deepEqual(refusal('resetPassword', null), [undefined, 'The password reset must be an object.']);
  assert.deepEqual(refusal('logs', { level: 'loud' }), [
    'level',
    'The level must be debug, info, warn or error.',
  ]);
  assert.deepEqual(validateArgs('logs', [{ limit: undefined, level: 'warn' }]), [{ level: 'warn' }]);
  assert.deepEqual(validateArgs('backup', ['/tmp/b.db', { replace: undefined }]), ['/tmp/b.db', {}]);
});

test("the settings form checks every field of its draft by the server's rules", () => {
  assert.deepEqual(
    settingErrors({
      ...DEFAULT_SETTINGS,
      port: typedNumber(' 80a '),
      publicUrl: 'example.org',
      bindScope: 'everywhere',
    }),
    {
      port: serverSays({ port: '80a' }),
      publicUrl: serverSays({ publicUrl: 'example.org' }),
      bindScope: serverSays({ bindScope: 'everywhere' }),
    },
  );
  assert.deepEqual(settingErrors({ ...DEFAULT_SETTINGS, port: typedNumber('8200') }), {});
});
