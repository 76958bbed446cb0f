import { useState, type FormEvent } from 'react';
import type { AccountKind, AccountSummary, CreateAccountInput } from '../../server/admin/api.js';
import { useApp } from '../app-context.js';
import { Dialog } from '../components/ConfirmDialog.js';
import { FormError, RadioChoices, TextField, type Choice } from '../components/Field.js';
import { formatAgo, formatBytes, formatDateTime } from '../format.js';
import { useAction, usePolling } from '../hooks.js';
import { validateAccountName, validateConfirmation, validatePassword } from '../validate.js';

const KIND_LABELS: Record<AccountKind, string> = {
  sync11: 'Sync 1.1',
  sync15: 'Mozilla account (Sync 1.5)',
  local: 'Local account',
  directory: 'Directory (Sync 1.1)',
};

type NewKind = CreateAccountInput['kind'];

const KIND_CHOICES: Choice<NewKind>[] = [
  {
    value: 'local',
    title: 'Firefox (local account)',
    detail:
      'Firefox signs in to this server instead of a Mozilla account. Tell the person the e-mail and this temporary password.',
  },
  {
    value: 'sync11',
    title: 'Pale Moon / Sync 1.1',
    detail:
      'For Pale Moon and other Sync 1.1 browsers. Firefox with a Mozilla account needs no account here: it appears after its first sync.',
  },
];

type FieldErrors = Partial<Record<'name' | 'password' | 'confirm', string>>;

/** Who has an account here, how much they store, and create / delete / reset password. */
export function AccountsView() {
  const { api } = useApp();
  const accounts = usePolling(() => api.listAccounts(), 5000);
  // The ini file decides it (a restart with another file): no need to ask often.
  // Wrapped, so "no directory" (null) is told apart from "not asked yet".
  const directory = usePolling(async () => ({ info: await api.directory() }), 60_000);
  /** With `[auth] backend = ldap`, said instead of create, and of Sync 1.1's delete and reset. */
  const managedNote = directory.data?.info?.accountsNote ?? null;
  const managedByDirectory = (a: AccountSummary) =>
    a.managedByDirectory === true || (managedNote !== null && a.kind === 'sync11');
  const [deleting, setDeleting] = useState<AccountSummary | null>(null);
  const [resetting, setResetting] = useState<AccountSummary | null>(null);

  return (
    <section aria-labelledby="accounts-title" className="view">
      <header className="view-header">
        <h1 id="accounts-title">Accounts</h1>
      </header>
      <FormError message={accounts.error?.message} />

      <div className="card table-card">
        <table className="data-table">
          <caption className="visually-hidden">Accounts on this server</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Kind</th>
              <th scope="col" className="num">
                Storage used
              </th>
              <th scope="col" className="num">
                Collections
              </th>
              <th scope="col">Last sync</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.data?.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  {managedNote !== null
                    ? 'Nobody from the directory has synced yet: people appear here after their first sync.'
                    : 'No accounts yet. Create one below, or let a device sign up while sign-ups are open.'}
                </td>
              </tr>
            )}
            {accounts.data?.map((a) => (
              <tr key={`${a.kind}:${a.id}`} data-account={a.id} data-kind={a.kind}>
                <th scope="row">
                  <span className="account-label">{a.label}</span>
                  {a.email && a.email !== a.label && <span className="muted small block">{a.email}</span>}
                  {/* A local account's uid means nothing to the owner; its devices do. */}
                  {a.kind === 'local' ? (
                    <Devices devices={a.devices ?? []} />
                  ) : (
                    a.label !== a.id && <span className="muted small block mono">{a.id}</span>
                  )}
                </th>
                <td className="nowrap">{KIND_LABELS[a.kind]}</td>
                <td className="num">{formatBytes(a.storageBytes)}</td>
                <td className="num">{a.collections}</td>
                <td className="nowrap" title={formatDateTime(a.lastSync)}>
                  {formatAgo(a.lastSync)}
                </td>
                <td className="actions">
                  {managedByDirectory(a) ? (
                    <span className="muted small" data-testid="managed-by-directory">
                      Managed in the directory
                    </span>
                  ) : (
                    <AccountActions account={a} onReset={setResetting} onDelete={setDeleting} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {/* With a directory, people come from it: the form gives way to the sentence saying so. */}
      {managedNote !== null ? (
        <section className="card" aria-labelledby="create-title" data-testid="directory-accounts-note">
          <h2 id="create-title">Create an account</h2>
          <p className="callout callout-info">{managedNote}</p>
        </section>
      ) : directory.data !== null || directory.error !== null ? (
        <CreateAccountForm onCreated={() => void accounts.refresh()} />
      ) : null}
      <DeleteDialog
        account={deleting}
        onDone={() => {
          setDeleting(null);
          void accounts.refresh();
        }}
      />
      <ResetDialog account={resetting} onDone={() => setResetting(null)} />
    </section>
  );
}

function AccountActions({
  account: a,
  onReset,
  onDelete,
}: {
  account: AccountSummary;
  onReset: (a: AccountSummary) => void;
  onDelete: (a: AccountSummary) => void;
}) {
  return (
    <>
      {/* A Mozilla account's password lives at Mozilla: nothing to reset here. */}
      {a.kind !== 'sync15' && (
        <button type="button" className="button-small button-secondary" onClick={() => onReset(a)}>
          Reset password<span className="visually-hidden"> for {a.label}</span>
        </button>
      )}
      <button type="button" className="button-small button-danger-quiet" onClick={() => onDelete(a)}>
        Delete<span className="visually-hidden"> {a.label}</span>
      </button>
    </>
  );
}

/** The devices Firefox registered for a local account (only local accounts report them). */
function Devices({ devices }: { devices: string[] }) {
  return (
    <span className="muted small block" data-testid="devices">
      {devices.length === 0 ? 'No device signed in' : `Devices: ${devices.join(', ')}`}
    </span>
  );
}

/** Local accounts are named by an e-mail address; Sync 1.1 by a username or an e-mail. */
function validateNewName(kind: NewKind, name: string): string | null {
  if (kind === 'local' && !name.includes('@'))
    return 'Enter an e-mail address. It is only a name: Foxden never sends anything to it.';
  return validateAccountName(name);
}

function CreateAccountForm({ onCreated }: { onCreated: () => void }) {
  const { api, announce, refreshWarnings } = useApp();
  const [kind, setKind] = useState<NewKind>('local');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    const nameError = validateNewName(kind, name);
    if (nameError) found.name = nameError;
    const passwordError = validatePassword(password, name);
    if (passwordError) found.password = passwordError;
    const confirmError = validateConfirmation(password, confirm);
    if (confirmError) found.confirm = confirmError;
    setErrors(found);
    if (Object.keys(found).length > 0) return;

    const created = await action.run(() => api.createAccount({ kind, name: name.trim(), password }));
    if (!created) return;
    announce(`Account ${created.label} created.`);
    setName('');
    setPassword('');
    setConfirm('');
    onCreated();
    refreshWarnings();
  };

  const serverField = action.error?.field;
  const fieldError = (f: keyof FieldErrors) =>
    errors[f] ??
    (serverField === f || (f === 'name' && serverField === 'username') ? action.error?.message : undefined);
  const formLevel =
    action.error && !['name', 'username', 'password'].includes(serverField ?? '')
      ? action.error.message
      : null;

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="create-title">
      <h2 id="create-title">Create an account</h2>
      <fieldset className="radio-group">
        <legend>For</legend>
        <RadioChoices name="kind" choices={KIND_CHOICES} value={kind} onChange={setKind} />
      </fieldset>
      <div className="form-grid">
        <TextField
          id="new-name"
          name="name"
          label={kind === 'local' ? 'E-mail address' : 'Username or e-mail'}
          error={fieldError('name')}
          hint={
            kind === 'local'
              ? 'What the person types when signing in to Sync. Nothing is ever sent to it.'
              : 'An e-mail is turned into the username the same way the browser does it.'
          }
          inputMode={kind === 'local' ? 'email' : 'text'}
          autoComplete="off"
          spellCheck={false}
          value={name}
          onValue={setName}
        />
        <TextField
          id="new-password"
          name="password"
          type="password"
          label="Password"
          error={fieldError('password')}
          hint="At least 8 characters."
          autoComplete="new-password"
          value={password}
          onValue={setPassword}
        />
        <TextField
          id="new-confirm"
          name="confirm"
          type="password"
          label="Confirm password"
          error={fieldError('confirm')}
          autoComplete="new-password"
          value={confirm}
          onValue={setConfirm}
        />
      </div>
      <FormError message={formLevel} />
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={action.busy}>
          {action.busy ? 'Creating…' : 'Create account'}
        </button>
      </div>
    </form>
  );
}

function DeleteDialog({ account, onDone }: { account: AccountSummary | null; onDone: () => void }) {
  const { api, announce, refreshWarnings } = useApp();
  const action = useAction();
  const confirmDelete = async () => {
    if (!account) return;
    const ok = await action.run(async () => {
      await api.deleteAccount({ kind: account.kind, id: account.id });
      return true;
    });
    if (!ok) return;
    announce(`Account ${account.label} deleted.`);
    refreshWarnings();
    onDone();
  };
  return (
    <Dialog
      open={account !== null}
      title={`Delete ${account?.label ?? 'account'}?`}
      onClose={() => {
        action.setError(null);
        onDone();
      }}
      onSubmit={() => void confirmDelete()}
      submitLabel="Delete account"
      danger
      busy={action.busy}
    >
      <p>
        This removes the account and everything it synced to this server (
        {formatBytes(account?.storageBytes ?? 0)}). Browsers keep their own copy of bookmarks, passwords and
        history, but they will stop syncing.
      </p>
      <p>This cannot be undone.</p>
      <FormError message={action.error?.message} />
    </Dialog>
  );
}

function ResetDialog({ account, onDone }: { account: AccountSummary | null; onDone: () => void }) {
  const { api, announce } = useApp();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const action = useAction();

  const close = () => {
    setPassword('');
    setConfirm('');
    setErrors({});
    action.setError(null);
    onDone();
  };

  const submit = async () => {
    if (!account) return;
    const found: FieldErrors = {};
    const passwordError = validatePassword(password, account.label);
    if (passwordError) found.password = passwordError;
    const confirmError = validateConfirmation(password, confirm);
    if (confirmError) found.confirm = confirmError;
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const ok = await action.run(async () => {
      await api.resetPassword({ kind: account.kind, id: account.id, password });
      return true;
    });
    if (!ok) return;
    announce(`Password for ${account.label} changed.`);
    close();
  };

  const serverPasswordError = action.error?.field === 'password' ? action.error.message : undefined;
  return (
    <Dialog
      open={account !== null}
      title={`Reset the password of ${account?.label ?? 'this account'}`}
      onClose={close}
      onSubmit={() => void submit()}
      submitLabel="Set new password"
      busy={action.busy}
    >
      {account?.kind === 'sync11' ? (
        <>
          <p>
            Every browser using this account must sign in again with the new password. Its synced data stays
            readable: Sync 1.1 encrypts it with the Sync Key, not with the password.
          </p>
          <p className="muted small">
            For Firefox-account-based users it is different: a reset can make old encrypted data unreadable.
          </p>
        </>
      ) : account?.kind === 'local' ? (
        <div className="callout callout-warning" data-testid="reset-warning">
          <p>
            <strong>Firefox’s existing encrypted data on this server becomes unreadable.</strong> The password
            protects the key Firefox encrypts with, and Foxden cannot keep that key without the old password.
          </p>
          <p>
            Every Firefox using this account is signed out. After signing in with the new password, each
            Firefox uploads its own copy of bookmarks, passwords and history again.
          </p>
        </div>
      ) : (
        <p className="callout callout-warning">
          <strong>Old encrypted data may become unreadable.</strong> For Firefox-account users the password
          protects the encryption keys, so after a reset Firefox may not be able to read what it synced before
          and will upload it again from the devices.
        </p>
      )}
      <TextField
        id="reset-password"
        type="password"
        label="New password"
        error={errors.password ?? serverPasswordError}
        hint="At least 8 characters."
        autoComplete="new-password"
        value={password}
        onValue={setPassword}
      />
      <TextField
        id="reset-confirm"
        type="password"
        label="Confirm new password"
        error={errors.confirm}
        autoComplete="new-password"
        value={confirm}
        onValue={setConfirm}
      />
      <FormError message={action.error && action.error.field !== 'password' ? action.error.message : null} />
    </Dialog>
  );
}
