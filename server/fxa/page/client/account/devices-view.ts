/**
 * The device list: one item per device, each with a Remove button that asks first, in place,
 * and keeps keyboard focus where the person is. Device names come from other computers, so
 * they are only ever set as text.
 */
import type { DeviceEntry } from './account-api.js';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; text?: string } = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  return node;
}

function lastActive(ms: number | undefined): string {
  if (!ms) return 'Not seen yet';
  return `Last active ${new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
}

function deviceItem(
  device: DeviceEntry,
  onRemove: (device: DeviceEntry, done: (ok: boolean) => void) => void,
): HTMLLIElement {
  const item = el('li', { className: 'device' });
  item.dataset.deviceId = device.id;
  const info = el('div', { className: 'device-info' });
  const name = el('strong', { text: device.name || 'Unnamed device' });
  info.append(name);
  if (device.isCurrentDevice) info.append(' ', el('span', { className: 'badge', text: 'This Firefox' }));
  info.append(el('span', { className: 'muted small device-seen', text: lastActive(device.lastAccessTime) }));

  const remove = el('button', {
    className: 'plain remove',
    text: device.isCurrentDevice ? 'Sign out' : 'Remove',
  });
  remove.type = 'button';
  remove.setAttribute('aria-label', `${device.isCurrentDevice ? 'Sign out' : 'Remove'} ${device.name}`);

  const confirm = el('div', { className: 'confirm' });
  confirm.hidden = true;
  confirm.append(
    el('p', {
      text: device.isCurrentDevice
        ? 'Sign this Firefox out now? It keeps its data; sign in again in Settings → Sync.'
        : `Remove ${device.name}? It is signed out and asks for the password the next time it talks to Foxden.`,
    }),
  );
  const yes = el('button', {
    className: 'secondary',
    text: device.isCurrentDevice ? 'Yes, sign out' : 'Yes, remove',
  });
  yes.type = 'button';
  const no = el('button', { className: 'plain', text: 'Cancel' });
  no.type = 'button';
  confirm.append(yes, no);

  remove.addEventListener('click', () => {
    remove.hidden = true;
    confirm.hidden = false;
    yes.focus();
  });
  no.addEventListener('click', () => {
    confirm.hidden = true;
    remove.hidden = false;
    remove.focus();
  });
  yes.addEventListener('click', () => {
    yes.disabled = true;
    no.disabled = true;
    item.setAttribute('aria-busy', 'true');
    onRemove(device, (ok) => {
      item.removeAttribute('aria-busy');
      yes.disabled = false;
      no.disabled = false;
      if (!ok) {
        confirm.hidden = true;
        remove.hidden = false;
        remove.focus();
      }
    });
  });

  item.append(info, remove, confirm);
  return item;
}

export function renderDevices(
  list: HTMLUListElement,
  devices: DeviceEntry[],
  onRemove: (device: DeviceEntry, done: (ok: boolean) => void) => void,
): void {
  const sorted = [...devices].sort(
    (a, b) => Number(b.isCurrentDevice) - Number(a.isCurrentDevice) || a.name.localeCompare(b.name),
  );
  list.replaceChildren(...sorted.map((d) => deviceItem(d, onRemove)));
}
