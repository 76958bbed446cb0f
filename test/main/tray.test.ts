import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Warning } from '../../server/admin/api.js';
import {
  buildTrayMenu,
  reachableUrl,
  toMenuTemplate,
  trayIconFile,
  trayIconState,
  trayTooltip,
  type TrayAction,
  type TrayItem,
  type TrayState,
} from '../../main/tray.js';

function state(
  overrides: Partial<TrayState['status']> = {},
  rest: Partial<Omit<TrayState, 'status'>> = {},
): TrayState {
  return {
    status: {
      state: 'stopped',
      listen: null,
      lanAddresses: ['192.168.1.20'],
      setupUrl: 'http://127.0.0.1:8173/1.0/sync/1.5',
      lastError: null,
      dataDir: '/home/me/.local/share/foxden',
      ...overrides,
    },
    allowNewUsers: false,
    openAtLogin: false,
    warnings: [],
    ...rest,
  };
}

function item(items: TrayItem[], id: string): TrayItem {
  const found = items.find((i) => 'id' in i && i.id === id);
  assert.ok(found, `menu has ${id}`);
  return found;
}

function enabled(items: TrayItem[], id: string): boolean {
  const found = item(items, id);
  assert.ok(found.kind === 'action' || found.kind === 'checkbox');
  return found.enabled;
}

const portWarning: Warning = {
  code: 'port-macos-airplay',
  severity: 'warning',
  message: 'Port 5000 is used by AirPlay Receiver on macOS.',
};

describe('tray menu model', () => {
  it('sign-ups that closed by themselves say so under the checkbox, until opened again', () => {
    const note = 'Sign-ups closed automatically after 10 new accounts.';
    const closed = buildTrayMenu(state({}, { signupsNote: note }));
    assert.deepEqual(item(closed, 'signups-note'), { kind: 'label', id: 'signups-note', label: note });
    const at = closed.findIndex((i) => 'id' in i && i.id === 'signups-note');
    assert.equal((closed[at - 1] as { id: string }).id, 'toggle-signups');
    const open = buildTrayMenu(state({}, { allowNewUsers: true, signupsNote: note }));
    assert.ok(!open.some((i) => 'id' in i && i.id === 'signups-note'));
    assert.ok(!buildTrayMenu(state()).some((i) => 'id' in i && i.id === 'signups-note'));
  });

  it('running on the home network: status shows the LAN address, Stop enabled, Start not', () => {
    const menu = buildTrayMenu(state({ state: 'running', listen: { host: '0.0.0.0', port: 8173 } }));
    assert.deepEqual(item(menu, 'status'), {
      kind: 'label',
      id: 'status',
      label: 'Running at http://192.168.1.20:8173',
    });
    assert.equal(enabled(menu, 'start'), false);
    assert.equal(enabled(menu, 'stop'), true);
    assert.equal(enabled(menu, 'backup'), true);
    assert.equal(
      menu.some((i) => 'id' in i && i.id === 'warning'),
      false,
    );
  });

  it('running on this computer only shows the loopback address; IPv6 in brackets', () => {
    assert.equal(
      reachableUrl(state({ state: 'running', listen: { host: '127.0.0.1', port: 9000 } }).status),
      'http://127.0.0.1:9000',
    );
    assert.equal(
      reachableUrl(state({ state: 'running', listen: { host: '::1', port: 9000 } }).status),
      'http://[::1]:9000',
    );
    assert.equal(
      reachableUrl(state({ state: 'running', listen: { host: '::', port: 9000 }, lanAddresses: [] }).status),
      'http://127.0.0.1:9000',
    );
  });

  it('stopped: "Stopped", Start enabled, Stop disabled, stopped icon', () => {
    const s = state();
    const menu = buildTrayMenu(s);
    assert.equal((item(menu, 'status') as { label: string }).label, 'Stopped');
    assert.equal(enabled(menu, 'start'), true);
    assert.equal(enabled(menu, 'stop'), false);
    assert.equal(trayIconState(s), 'stopped');
  });

  it('failed: the reason is the status line, Start is enabled again, warning icon', () => {
    const s = state({ state: 'failed', lastError: 'Port 8173 is already in use by another program.' });
    const menu = buildTrayMenu(s);
    assert.equal(
      (item(menu, 'status') as { label: string }).label,
      'Could not start: Port 8173 is already in use by another program.',
    );
    assert.equal(enabled(menu, 'start'), true);
    assert.equal(enabled(menu, 'stop'), false);
    assert.equal(trayIconState(s), 'warning');
  });

  it('starting and stopping: both Start and Stop disabled, no backup meanwhile', () => {
    for (const phase of ['starting', 'stopping'] as const) {
      const menu = buildTrayMenu(state({ state: phase }));
      assert.equal(enabled(menu, 'start'), false, phase);
      assert.equal(enabled(menu, 'stop'), false, phase);
      assert.equal(enabled(menu, 'backup'), false, phase);
      assert.match((item(menu, 'status') as { label: string }).label, /…$/);
    }
  });

  it('a warning adds a line under the status and switches to the warning icon', () => {
    const s = state(
      { state: 'running', listen: { host: '127.0.0.1', port: 5000 } },
      { warnings: [portWarning, { ...portWarning, code: 'port-privileged', message: 'Other' }] },
    );
    const menu = buildTrayMenu(s);
    assert.equal((item(menu, 'status') as { label: string }).label, 'Running at http://127.0.0.1:5000');
    assert.equal((item(menu, 'warning') as { label: string }).label, `⚠ ${portWarning.message} (+1 more)`);
    assert.equal(trayIconState(s), 'warning');
  });

  it('an error-severity warning is shown before a plain warning', () => {
    const error: Warning = {
      code: 'public-url-invalid',
      severity: 'error',
      message: 'The public URL is not a URL.',
    };
    const menu = buildTrayMenu(state({}, { warnings: [portWarning, error] }));
    assert.match((item(menu, 'warning') as { label: string }).label, /not a URL/);
  });

  it('checkboxes follow the settings', () => {
    const off = buildTrayMenu(state());
    const on = buildTrayMenu(state({}, { allowNewUsers: true, openAtLogin: true }));
    for (const [menu, expected] of [
      [off, false],
      [on, true],
    ] as const) {
      for (const id of ['toggle-signups', 'toggle-open-at-login']) {
        const box = item(menu, id);
        assert.equal(box.kind, 'checkbox');
        assert.equal(box.kind === 'checkbox' && box.checked, expected);
      }
    }
  });

  it('has every product item in order, ending with Quit', () => {
    const labels = buildTrayMenu(state())
      .filter((i) => i.kind !== 'separator')
      .map((i) => ('label' in i ? i.label : ''));
    assert.deepEqual(labels, [
      'Stopped',
      'Start',
      'Stop',
      'Copy Firefox setup URL',
      'Open dashboard',
      'Allow new sign-ups',
      'Open at login',
      'Open data folder',
      'Back up now',
      'Quit Foxden',
    ]);
  });

  it('long failure messages are cut to one menu line', () => {
    const menu = buildTrayMenu(state({ state: 'failed', lastError: 'x'.repeat(500) }));
    const label = (item(menu, 'status') as { label: string }).label;
    assert.ok(label.length <= 72, `label is ${label.length} characters`);
    assert.ok(label.endsWith('…'));
  });

  it('tooltip names the app and the status', () => {
    assert.equal(trayTooltip(state()), 'Foxden — Stopped');
  });
});

describe('tray icons', () => {
  it('macOS uses template images, other platforms coloured ones', () => {
    assert.equal(trayIconFile('running', 'darwin'), 'tray-runningTemplate.png');
    assert.equal(trayIconFile('warning', 'darwin'), 'tray-warningTemplate.png');
    assert.equal(trayIconFile('stopped', 'win32'), 'tray-stopped.png');
    assert.equal(trayIconFile('running', 'linux'), 'tray-running.png');
  });
});

describe('menu template', () => {
  it('maps items to Electron template entries whose clicks dispatch the action', () => {
    const clicked: TrayAction[] = [];
    const template = toMenuTemplate(buildTrayMenu(state({}, { allowNewUsers: true })), (a) =>
      clicked.push(a),
    );
    const status = template[0];
    assert.deepEqual(status, { type: 'normal', id: 'status', label: 'Stopped', enabled: false });
    const signups = template.find((t) => t.id === 'toggle-signups');
    assert.equal(signups?.type, 'checkbox');
    assert.equal(signups?.checked, true);
    template.find((t) => t.id === 'quit')?.click?.();
    signups?.click?.();
    assert.deepEqual(clicked, ['quit', 'toggle-signups']);
    assert.ok(template.some((t) => t.type === 'separator'));
  });
});
