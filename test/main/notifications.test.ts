import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccountSummary } from '../../server/admin/api.js';
import {
  AccountWatcher,
  createNotifier,
  FailureWatcher,
  type NotificationContent,
} from '../../main/notifications.js';
import { FakeNotifications } from './fake-electron.js';

function account(id: string, label = id): AccountSummary {
  return {
    kind: 'sync11',
    id,
    label,
    email: null,
    storageBytes: 0,
    collections: 0,
    lastSync: null,
    created: 0,
  };
}

function collector() {
  const shown: NotificationContent[] = [];
  return { shown, notify: (c: NotificationContent) => void shown.push(c) };
}

describe('failure notifications', () => {
  it('one notification per transition into failed, with the plain-words reason', () => {
    const { shown, notify } = collector();
    const watcher = new FailureWatcher(notify);
    watcher.observe({ state: 'starting', lastError: null });
    watcher.observe({ state: 'failed', lastError: 'Port 8173 is already in use.' });
    watcher.observe({ state: 'failed', lastError: 'Port 8173 is already in use.' });
    assert.deepEqual(shown, [{ title: 'Foxden could not start', body: 'Port 8173 is already in use.' }]);
    watcher.observe({ state: 'starting', lastError: null });
    watcher.observe({ state: 'failed', lastError: null });
    assert.equal(shown.length, 2);
    assert.match(shown[1]!.body, /did not start/);
  });

  it('running and stopping are not news', () => {
    const { shown, notify } = collector();
    const watcher = new FailureWatcher(notify);
    for (const state of ['starting', 'running', 'stopping', 'stopped'] as const)
      watcher.observe({ state, lastError: null });
    assert.equal(shown.length, 0);
  });
});

describe('new-account notifications', () => {
  it('the first look learns existing accounts silently; later ones announce newcomers', async () => {
    const { shown, notify } = collector();
    let accounts = [account('alice')];
    const watcher = new AccountWatcher(async () => accounts, notify);
    await watcher.check();
    assert.equal(shown.length, 0);
    accounts = [account('alice'), account('bob', 'bob@example.org')];
    await watcher.check();
    assert.deepEqual(shown, [
      { title: 'New Foxden account', body: 'bob@example.org signed up and can now sync.' },
    ]);
    await watcher.check();
    assert.equal(shown.length, 1, 'the same account is not announced twice');
  });

  it('several at once are announced in one notification', async () => {
    const { shown, notify } = collector();
    let accounts: AccountSummary[] = [];
    const watcher = new AccountWatcher(async () => accounts, notify);
    await watcher.check();
    accounts = [account('a'), account('b'), account('c')];
    await watcher.check();
    assert.equal(shown.length, 1);
    assert.match(shown[0]!.body, /^3 accounts/);
  });

  it('resync learns an account the owner created without announcing it', async () => {
    const { shown, notify } = collector();
    let accounts = [account('alice')];
    const watcher = new AccountWatcher(async () => accounts, notify);
    await watcher.check();
    accounts = [account('alice'), account('owner-made')];
    await watcher.resync();
    await watcher.check();
    assert.equal(shown.length, 0);
  });

  it('a failing listAccounts (database reopening) is skipped, not thrown', async () => {
    const { shown, notify } = collector();
    let fail = false;
    const watcher = new AccountWatcher(async () => {
      if (fail) throw new Error('database is closed');
      return [account('alice')];
    }, notify);
    await watcher.check();
    fail = true;
    await watcher.check();
    assert.equal(shown.length, 0);
  });
});

describe('notifier', () => {
  it('shows through Electron Notification, with the click handler', () => {
    const fake = new FakeNotifications();
    let clicked = 0;
    createNotifier(fake.api)({ title: 't', body: 'b' }, () => clicked++);
    assert.equal(fake.shown.length, 1);
    fake.shown[0]!.click?.();
    assert.equal(clicked, 1);
  });

  it('does nothing where the desktop has no notification service', () => {
    const fake = new FakeNotifications();
    fake.supported = false;
    createNotifier(fake.api)({ title: 't', body: 'b' });
    assert.equal(fake.shown.length, 0);
  });
});
