import type { SetupHelp, TrustCaHelp } from '../../server/admin/api.js';
import { useApp } from '../app-context.js';
import { CopyButton } from '../components/CopyButton.js';
import { FormError } from '../components/Field.js';
import { usePolling } from '../hooks.js';

const TOKEN_PREF = 'identity.sync.tokenserver.uri';
const AUTOCONFIG_PREF = 'identity.fxaccounts.autoconfig.uri';

/** Used when the server sends no desktop steps of its own (older AdminService). */
const FALLBACK_DESKTOP_STEPS = [
  'If Firefox is signed in to Sync, sign out first (Settings → Sync → Sign out).',
  'Type about:config in the address bar, accept the warning, and set the value below.',
  'Restart Firefox and sign in to Sync with your Mozilla account (formerly “Firefox account”).',
  'To check, open about:sync-log, or watch the Logs view here while Firefox syncs.',
];

/**
 * The exact values to type into each browser, each one copyable: Firefox without a Mozilla
 * account (Foxden's local accounts) first, because it is the setup that keeps everything at
 * home; then Firefox with a Mozilla account, Android, and Sync 1.1 browsers.
 */
export function SetupView() {
  const { api } = useApp();
  const help = usePolling<SetupHelp>(() => api.setupHelp(), 15000);
  const data = help.data;
  const tokenUrl = data
    ? (data.desktopPrefs.find((p) => p.name === TOKEN_PREF)?.value ?? `${data.publicUrl}1.0/sync/1.5`)
    : '';
  const accountServer = data
    ? (data.localAccountsPrefs?.find((p) => p.name === AUTOCONFIG_PREF)?.value ??
      data.publicUrl.replace(/\/$/, ''))
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
          {data.trustCa && <TrustCaCard trust={data.trustCa} />}
          {data.localAccountsPrefs && (
            <div className="card" data-testid="setup-local">
              <h2>Firefox without a Mozilla account</h2>
              <p className="muted">
                Firefox signs in to this server with a local account from the Accounts view; nothing goes
                through Mozilla.
              </p>
              <Steps steps={data.localAccountsSteps ?? []} />
              <h3 className="subheading">
                Values for <code>about:config</code>
              </h3>
              <PrefsTable prefs={data.localAccountsPrefs} testId="local-prefs" />
            </div>
          )}

          <div className="card" data-testid="setup-mozilla">
            <h2>Firefox with a Mozilla account</h2>
            <p className="muted">
              Firefox keeps signing in with its Mozilla account; only the synced data is stored here.
            </p>
            <Steps steps={desktopSteps} />
            <h3 className="subheading">
              Values for <code>about:config</code>
            </h3>
            <PrefsTable prefs={data.desktopPrefs} testId="mozilla-prefs" />
          </div>

          <div className="card">
            <h2>Firefox for Android</h2>
            {data.androidLocalSteps && (
              <>
                <h3 className="subheading">Without a Mozilla account</h3>
                <Steps steps={data.androidLocalSteps} />
                <CopyRow
                  value={accountServer}
                  label="Custom Mozilla account server for Android"
                  what="custom Mozilla account server for Android"
                />
                <h3 className="subheading">With a Mozilla account</h3>
              </>
            )}
            <Steps steps={data.androidSteps} />
            <CopyRow
              value={tokenUrl}
              label="Custom Sync server for Android"
              what="custom Sync server for Android"
            />
          </div>

          <div className="card">
            <h2>Pale Moon and other Sync 1.1 browsers</h2>
            <p>
              Choose “Use a custom server” when setting up Sync, and enter this server URL with an account
              from the Accounts view:
            </p>
            <CopyRow value={data.sync11ServerUrl} label="Sync 1.1 server URL" what="Sync 1.1 server URL" />
          </div>
        </>
      )}
    </section>
  );
}

/** First, once on each device: trust the household CA, after comparing its fingerprint. */
function TrustCaCard({ trust }: { trust: TrustCaHelp }) {
  return (
    <div className="card" data-testid="setup-trust">
      <h2>Trust this server’s certificate</h2>
      <p className="muted">
        Foxden speaks HTTPS with a certificate from its own household certificate authority. Do this once on
        each device, before the steps below, so that the browser trusts it.
      </p>
      <CopyRow value={trust.caUrl} label="CA certificate download" what="CA certificate address" />
      <h3 className="subheading">SHA-256 fingerprint to compare</h3>
      {trust.fingerprint256 ? (
        <CopyRow value={trust.fingerprint256} label="CA SHA-256 fingerprint" what="CA fingerprint" />
      ) : (
        <p>
          Foxden creates the household CA when the server first starts with HTTPS; start it to see the
          fingerprint.
        </p>
      )}
      <h3 className="subheading">Firefox desktop</h3>
      <Steps steps={trust.firefoxDesktopSteps} />
      <h3 className="subheading">Firefox for Android</h3>
      <Steps steps={trust.androidSteps} />
      <h3 className="subheading">Pale Moon</h3>
      <Steps steps={trust.paleMoonSteps} />
    </div>
  );
}

function Steps({ steps }: { steps: string[] }) {
  return (
    <ol className="steps">
      {steps.map((step, i) => (
        <li key={i}>{step}</li>
      ))}
    </ol>
  );
}

function CopyRow({ value, label, what }: { value: string; label: string; what: string }) {
  return (
    <div className="copy-row">
      <output className="mono url-output" aria-label={label}>
        {value}
      </output>
      <CopyButton value={value} label="Copy" what={what} className="button-secondary" />
    </div>
  );
}

function PrefsTable({ prefs, testId }: { prefs: SetupHelp['desktopPrefs']; testId: string }) {
  return (
    <table className="data-table prefs-table" data-testid={testId}>
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
