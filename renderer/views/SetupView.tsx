import type { SetupHelp } from '../../server/admin/api.js';
import { useApp } from '../app-context.js';
import { CopyButton } from '../components/CopyButton.js';
import { FormError } from '../components/Field.js';
import { usePolling } from '../hooks.js';

const TOKEN_PREF = 'identity.sync.tokenserver.uri';

/** Used when the server sends no desktop steps of its own (older AdminService). */
const FALLBACK_DESKTOP_STEPS = [
  'If Firefox is signed in to Sync, sign out first (Settings → Sync → Sign out).',
  'Type about:config in the address bar, accept the warning, and set the value below.',
  'Restart Firefox and sign in to Sync with your Mozilla account (formerly “Firefox account”).',
  'To check, open about:sync-log, or watch the Logs view here while Firefox syncs.',
];

/** The exact values to type into each browser, each one copyable. */
export function SetupView() {
  const { api } = useApp();
  const help = usePolling<SetupHelp>(() => api.setupHelp(), 15000);
  const data = help.data;
  const tokenUrl = data
    ? (data.desktopPrefs.find((p) => p.name === TOKEN_PREF)?.value ?? `${data.publicUrl}1.0/sync/1.5`)
    : '';
  const desktopSteps = data?.desktopSteps?.length ? data.desktopSteps : FALLBACK_DESKTOP_STEPS;

  return (
    <section aria-labelledby="setup-title" className="view">
      <header className="view-header">
        <h1 id="setup-title">Setup help</h1>
      </header>
      <FormError message={help.error?.message} />
      {!data ? (
        <p className="loading">Loading…</p>
      ) : (
        <>
          <div className="card">
            <h2>Firefox on a computer</h2>
            <ol className="steps">
              {desktopSteps.map((step, i) => (
                <li key={i}>{step}</li>
              ))}
            </ol>
            <h3 className="subheading">
              Values for <code>about:config</code>
            </h3>
            <PrefsTable prefs={data.desktopPrefs} />
          </div>

          <div className="card">
            <h2>Firefox for Android</h2>
            <ol className="steps">
              {data.androidSteps.map((step, i) => (
                <li key={i}>{step}</li>
              ))}
            </ol>
            <div className="copy-row">
              <output className="mono url-output" aria-label="Custom Sync server for Android">
                {tokenUrl}
              </output>
              <CopyButton
                value={tokenUrl}
                label="Copy"
                what="custom Sync server for Android"
                className="button-secondary"
              />
            </div>
          </div>

          <div className="card">
            <h2>Pale Moon and other Sync 1.1 browsers</h2>
            <p>
              Choose “Use a custom server” when setting up Sync, and enter this server URL with an account
              from the Accounts view:
            </p>
            <div className="copy-row">
              <output className="mono url-output" aria-label="Sync 1.1 server URL">
                {data.sync11ServerUrl}
              </output>
              <CopyButton
                value={data.sync11ServerUrl}
                label="Copy"
                what="Sync 1.1 server URL"
                className="button-secondary"
              />
            </div>
          </div>
        </>
      )}
    </section>
  );
}

function PrefsTable({ prefs }: { prefs: SetupHelp['desktopPrefs'] }) {
  return (
    <table className="data-table prefs-table">
      <thead>
        <tr>
          <th scope="col">Preference</th>
          <th scope="col">Value</th>
          <th scope="col">
            <span className="visually-hidden">Copy</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {prefs.map((p) => (
          <tr key={p.name}>
            <th scope="row">
              <span className="mono pref-name">{p.name}</span>
              <span className="muted small block">{p.purpose}</span>
            </th>
            <td className="mono pref-value">{p.value}</td>
            <td className="actions">
              <CopyButton
                value={p.name}
                label="Copy name"
                what={`preference name ${p.name}`}
                className="button-small button-secondary"
              />
              <CopyButton
                value={p.value}
                label="Copy value"
                what={`value of ${p.name}`}
                className="button-small button-secondary"
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
