import { useEffect, useState, type FormEvent } from 'react';
import type {
  AdminSettings,
  DatabaseInUse,
  DirectoryInfo,
  DirectoryTest,
  SettingsUpdate,
} from '../../server/admin/api.js';
import { useApp } from '../app-context.js';
import { FormError, RadioChoices, TextField, Toggle, type Choice } from '../components/Field.js';
import { useAction } from '../hooks.js';
import { httpsErrors, settingErrors, typedNumber } from '../validate.js';
import { toApiError } from '../api.js';

const FIELD_NAMES: Record<keyof AdminSettings, string> = {
  port: 'Port',
  bindScope: 'Who can connect',
  publicUrl: 'Public URL',
  allowNewUsers: 'Allow new sign-ups',
  autoCloseSignups: 'Close sign-ups after the first account',
  openAtLogin: 'Open at login',
  behindProxy: 'Behind a reverse proxy',
  // Set on the Backup page.
  backupFolder: 'Backup folder',
  backupEveryHours: 'Back up every',
  backupKeep: 'Backups to keep',
  https: 'HTTPS',
  tlsCertFile: 'Certificate file',
  tlsKeyFile: 'Key file',
};

const SCOPE_CHOICES: Choice<AdminSettings['bindScope']>[] = [
  {
    value: 'local',
    title: 'This computer only',
    detail: 'Listens on 127.0.0.1. Safest; only browsers on this computer can sync.',
  },
  { value: 'lan', title: 'Home network', detail: 'Phones and other computers at home can sync too.' },
];

const HTTPS_CHOICES: Choice<AdminSettings['https']>[] = [
  {
    value: 'off',
    title: 'Off',
    detail:
      'Plain HTTP. Fine on this computer alone; on the home network, passwords and data cross the Wi-Fi unencrypted.',
  },
  {
    value: 'auto',
    title: 'Automatic — a certificate from Foxden’s household CA',
    detail:
      'Foxden makes its own certificate authority and a certificate for this computer’s names and addresses, and renews it by itself. Each device trusts the household CA once (see Setup help).',
  },
  {
    value: 'files',
    title: 'My own certificate files',
    detail:
      'A certificate you already have (for example from Let’s Encrypt, or your own CA). Foxden reloads the files when they change on disk.',
  },
];

const BOOLEAN_SETTINGS = ['allowNewUsers', 'autoCloseSignups', 'openAtLogin', 'behindProxy'] as const;
type BooleanSetting = (typeof BOOLEAN_SETTINGS)[number];

/** The settings this page edits (the backup ones are on the Backup page); the port as typed. */
type Draft = Pick<AdminSettings, 'bindScope' | 'publicUrl' | 'https' | BooleanSetting> & {
  port: string;
  /** The paths as typed ('' for none). */
  tlsCertFile: string;
  tlsKeyFile: string;
};

function toDraft(s: AdminSettings): Draft {
  const { bindScope, publicUrl, allowNewUsers, autoCloseSignups, openAtLogin, behindProxy, https } = s;
  return {
    port: String(s.port),
    https,
    tlsCertFile: s.tlsCertFile ?? '',
    tlsKeyFile: s.tlsKeyFile ?? '',
    bindScope,
    publicUrl,
    allowNewUsers,
    autoCloseSignups,
    openAtLogin,
    behindProxy,
  };
}

/** Only the fields the owner changed, so a save never overwrites what another window set. */
function diff(saved: AdminSettings, draft: Draft): Partial<AdminSettings> {
  const patch: Partial<AdminSettings> = {};
  if (Number(draft.port) !== saved.port) patch.port = Number(draft.port);
  if (draft.bindScope !== saved.bindScope) patch.bindScope = draft.bindScope;
  if (draft.publicUrl.trim() !== saved.publicUrl) patch.publicUrl = draft.publicUrl.trim();
  if (draft.https !== saved.https) patch.https = draft.https;
  // The paths are shown, checked and sent only with "My own certificate files".
  for (const key of draft.https === 'files' ? (['tlsCertFile', 'tlsKeyFile'] as const) : []) {
    const typed = draft[key].trim() || null;
    if (typed !== saved[key]) patch[key] = typed;
  }
  for (const key of BOOLEAN_SETTINGS) {
    if (draft[key] !== saved[key]) patch[key] = draft[key];
  }
  return patch;
}

type Errors = Partial<Record<keyof AdminSettings, string>>;

export function SettingsView() {
  const { api, announce, refreshWarnings, refreshStatus } = useApp();
  const [saved, setSaved] = useState<AdminSettings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [result, setResult] = useState<SettingsUpdate | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [database, setDatabase] = useState<DatabaseInUse | null>(null);
  const save = useAction();
  const restart = useAction();

  useEffect(() => {
    let alive = true;
    api.getSettings().then(
      (s) => {
        if (!alive) return;
        setSaved(s);
        setDraft(toDraft(s));
      },
      (err: unknown) => alive && setLoadError(toApiError(err).message),
    );
    // Read-only: which database this Foxden runs on (chosen with --database-url or the ini file).
    api.status().then(
      (s) => alive && setDatabase(s.database ?? null),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, [api]);

  if (loadError) return <FormError message={loadError} />;
  if (!saved || !draft) return <p className="loading">Loading settings…</p>;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft({ ...draft, [key]: value });
    setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const patch = diff(saved, draft);
  const dirty = Object.keys(patch).length > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // The server's own rules (server/admin/settings-schema.ts), field by field.
    const { tlsCertFile, tlsKeyFile, ...rest } = draft;
    const found: Errors = {
      ...settingErrors({
        ...rest,
        port: typedNumber(draft.port),
        publicUrl: draft.publicUrl.trim(),
        ...(draft.https === 'files'
          ? { tlsCertFile: tlsCertFile.trim() || null, tlsKeyFile: tlsKeyFile.trim() || null }
          : {}),
      }),
      ...httpsErrors(draft),
    };
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (!dirty) return;
    const update = await save.run(() => api.updateSettings(patch));
    if (!update) return;
    setSaved(update.settings);
    setDraft(toDraft(update.settings));
    setResult(update);
    const saidSaved = update.listen
      ? `Settings saved. The server now listens on port ${update.listen.port}.`
      : update.restartRequired
        ? 'Settings saved. Restart the server to apply them.'
        : 'Settings saved.';
    announce([saidSaved, ...(update.notes ?? [])].join(' '));
    refreshWarnings();
    refreshStatus();
  };

  const doRestart = async () => {
    const status = await restart.run(() => api.restart());
    if (!status) return;
    setResult(null);
    announce(`Server restarted: ${status.state}.`);
    refreshWarnings();
    refreshStatus();
  };

  const serverField = save.error?.field as keyof AdminSettings | undefined;
  const errorFor = (key: keyof AdminSettings) =>
    errors[key] ?? (serverField === key ? save.error?.message : undefined);
  const formLevel = save.error && !(serverField && serverField in FIELD_NAMES) ? save.error.message : null;
  /** A text input bound to one setting typed as text: its id, name, value, change and error. */
  const textField = (key: 'port' | 'publicUrl' | 'tlsCertFile' | 'tlsKeyFile') => ({
    id: key,
    name: key,
    value: draft[key],
    onValue: (v: string) => set(key, v),
    error: errorFor(key),
  });
  /** A switch bound to one boolean setting: its id, value, change and error. */
  const toggle = (key: BooleanSetting) => ({
    id: key,
    checked: draft[key],
    onChange: (v: boolean) => set(key, v),
    error: errorFor(key),
  });

  return (
    <section aria-labelledby="settings-title" className="view">
      <header className="view-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      {result?.restartRequired && (
        <div className="callout callout-info restart-callout" role="status">
          <p>
            Saved. These changes apply after a restart:{' '}
            <strong>{result.pendingRestart.map((f) => FIELD_NAMES[f] ?? f).join(', ')}</strong>.
          </p>
          <button
            type="button"
            className="button-primary"
            onClick={() => void doRestart()}
            disabled={restart.busy}
          >
            {restart.busy ? 'Restarting…' : 'Restart now'}
          </button>
          <FormError message={restart.error?.message} />
        </div>
      )}
      {result?.notes && result.notes.length > 0 && (
        <div className="callout callout-info" role="status" data-testid="save-notes">
          {result.notes.map((note) => (
            <p key={note}>{note}</p>
          ))}
        </div>
      )}
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <div className="card">
          <h2>Connection</h2>
          <fieldset className="radio-group" aria-describedby="scope-hint">
            <legend>Who can connect</legend>
            <RadioChoices
              name="bindScope"
              choices={SCOPE_CHOICES}
              value={draft.bindScope}
              onChange={(v) => set('bindScope', v)}
            />
            <p id="scope-hint" className="hint">
              {errorFor('bindScope') && <span className="field-error">{errorFor('bindScope')}</span>}
            </p>
          </fieldset>

          <div className="form-grid">
            <TextField
              {...textField('port')}
              label="Port"
              hint="Default 8173. Avoid ports below 1024."
              inputMode="numeric"
              className="input-short"
            />
            <TextField
              {...textField('publicUrl')}
              label="Public URL"
              hint="The address browsers use to reach Foxden, with http:// or https:// and the port."
              spellCheck={false}
              autoComplete="off"
              className="mono"
            />
          </div>
          <Toggle
            {...toggle('behindProxy')}
            label="Behind a reverse proxy"
            hint="Trust X-Forwarded-* headers from a proxy such as nginx or Caddy that serves the public URL."
          />
        </div>

        <div className="card" data-testid="settings-https">
          <h2>HTTPS</h2>
          <fieldset className="radio-group" aria-describedby="https-hint">
            <legend>How browsers connect</legend>
            <RadioChoices
              name="https"
              choices={HTTPS_CHOICES}
              value={draft.https}
              onChange={(v) => set('https', v)}
            />
            <p id="https-hint" className="hint">
              With HTTPS, Firefox signs in to local accounts without extra settings and nothing crosses the
              network in clear. Firefox on each device must trust the certificate: with Automatic, import the
              household CA once on each device (Setup help shows how). When HTTPS is switched on or off, a
              public URL that names this port changes between http:// and https:// with it.
              {errorFor('https') && <span className="field-error"> {errorFor('https')}</span>}
            </p>
          </fieldset>
          {draft.https === 'files' && (
            <div className="form-grid">
              <TextField
                {...textField('tlsCertFile')}
                label="Certificate file"
                hint="Full path of the PEM certificate, with its chain (e.g. /etc/letsencrypt/live/sync.example.org/fullchain.pem)."
                spellCheck={false}
                autoComplete="off"
                className="mono"
              />
              <TextField
                {...textField('tlsKeyFile')}
                label="Key file"
                hint="Full path of its private key (PEM); Foxden must be able to read it."
                spellCheck={false}
                autoComplete="off"
                className="mono"
              />
            </div>
          )}
        </div>

        <div className="card">
          <h2>Sign-ups</h2>
          <Toggle
            {...toggle('allowNewUsers')}
            label="Allow new sign-ups"
            hint="Lets browsers create accounts themselves (Sync 1.1, or on Foxden's sign-in page). Sign-ups close by themselves after 10 new accounts (foxden serve: --max-new-users); turn them off once everyone is set up."
          />
          <Toggle
            {...toggle('autoCloseSignups')}
            label="Close sign-ups automatically after the first account"
          />
        </div>

        {database && (
          <div className="card" data-testid="settings-database">
            <h2>Database</h2>
            <dl className="facts">
              <dt>In use</dt>
              <dd>{database.name}</dd>
              <dt>{database.kind === 'sqlite' ? 'File' : 'Location'}</dt>
              <dd className="mono">{database.where}</dd>
            </dl>
            <p className="hint">
              Chosen when Foxden starts (--database-url, FOXDEN_DATABASE_URL or [storage] sqluri in the config
              file); the password is never shown.
            </p>
          </div>
        )}

        <div className="card">
          <h2>Desktop</h2>
          <Toggle
            {...toggle('openAtLogin')}
            label="Open Foxden at login"
            hint="Only applies to the desktop app."
          />
        </div>

        <FormError message={formLevel} />
        <div className="button-row sticky-actions">
          <button type="submit" className="button-primary" disabled={save.busy || !dirty}>
            {save.busy ? 'Saving…' : 'Save settings'}
          </button>
          <button
            type="button"
            className="button-secondary"
            disabled={!dirty}
            onClick={() => {
              setDraft(toDraft(saved));
              setErrors({});
              save.setError(null);
            }}
          >
            Undo changes
          </button>
        </div>
      </form>
      <DirectoryCard />
    </section>
  );
}

/**
 * `[auth] backend = ldap`: the household directory as the ini file gives it (read-only: it is
 * changed there, then Foxden restarted; never the bind password) and "Test connection", one
 * line per step, the failed one saying what failed. Its own form: Enter in the name field
 * tests the directory rather than saving the settings above.
 */
function DirectoryCard() {
  const { api, announce } = useApp();
  const [info, setInfo] = useState<DirectoryInfo | null>(null);
  const [name, setName] = useState('');
  const [result, setResult] = useState<DirectoryTest | null>(null);
  const test = useAction();

  useEffect(() => {
    let alive = true;
    api.directory().then(
      (found) => {
        if (alive) setInfo(found);
      },
      () => undefined, // the settings above already say when the dashboard cannot reach Foxden
    );
    return () => {
      alive = false;
    };
  }, [api]);

  if (!info) return null;
  const run = async (event: FormEvent) => {
    event.preventDefault();
    setResult(null);
    const typed = name.trim();
    const found = await test.run(() => api.testDirectory(...(typed ? [typed] : [])));
    if (!found) return;
    setResult(found);
    announce(found.ok ? 'Directory test passed.' : `Directory test failed: ${found.failedLabel ?? ''}.`);
  };
  return (
    <form className="card form" data-testid="settings-directory" onSubmit={(e) => void run(e)} noValidate>
      <h2>Accounts directory (LDAP)</h2>
      <dl className="facts">
        <dt>Server</dt>
        <dd className="mono">{info.url}</dd>
        <dt>Encryption</dt>
        <dd>
          {info.startTls
            ? 'StartTLS, certificate verified'
            : info.url.startsWith('ldaps:')
              ? 'ldaps://, certificate verified'
              : 'None (plain LDAP)'}
          {info.caFile && <span className="muted small block mono">CA file {info.caFile}</span>}
        </dd>
        <dt>Search base</dt>
        <dd className="mono">{info.searchBase}</dd>
        <dt>Required group</dt>
        <dd className="mono">{info.requiredGroup ?? 'None: anyone the filter finds'}</dd>
        <dt>Service account</dt>
        <dd className="mono">{info.bindDn ?? 'None: anonymous searches'}</dd>
      </dl>
      <p className="hint">
        From the [auth] section of the config file: change them there and restart Foxden. The service
        account’s password is never shown. {info.accountsNote}
      </p>
      <TextField
        id="directory-test-name"
        name="directory-test-name"
        label="Name to look up (optional)"
        hint="What a person types to sign in. Their password is not needed: only their own sign-in checks it."
        autoComplete="off"
        spellCheck={false}
        value={name}
        onValue={setName}
      />
      <FormError message={test.error?.message} />
      <div className="button-row">
        <button type="submit" className="button-secondary" disabled={test.busy}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      {result && (
        <ul className="plain-list" data-testid="directory-steps" aria-live="polite">
          {result.steps.map((step) => (
            <li key={step} data-step="ok">
              ✓ {step}
            </li>
          ))}
          {result.ok ? (
            <li data-step="passed">
              <strong>All steps passed.</strong>
            </li>
          ) : (
            <li className="callout callout-error" data-step="failed">
              <strong>Failed ({result.failedLabel}):</strong> {result.message}
            </li>
          )}
        </ul>
      )}
    </form>
  );
}
