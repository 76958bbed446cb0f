import { useState, type FormEvent } from 'react';
import type { BackupResult } from '../../server/admin/api.js';
import { useApp } from '../app-context.js';
import { Dialog } from '../components/ConfirmDialog.js';
import { FormError, TextField } from '../components/Field.js';
import { formatBytes, formatDateTime } from '../format.js';
import { useAction } from '../hooks.js';
import { validatePath } from '../validate.js';

/** Online SQLite backup to a chosen file, and restore from one. */
export function BackupView() {
  const { api, announce, refreshStatus, refreshWarnings } = useApp();
  const [destination, setDestination] = useState('');
  const [destinationError, setDestinationError] = useState<string | null>(null);
  const [result, setResult] = useState<BackupResult | null>(null);
  const backup = useAction();

  const [source, setSource] = useState('');
  const [sourceError, setSourceError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [restored, setRestored] = useState<string | null>(null);
  const restore = useAction();

  const submitBackup = async (event: FormEvent) => {
    event.preventDefault();
    const problem = validatePath(destination);
    setDestinationError(problem);
    if (problem) return;
    const done = await backup.run(() => api.backup(destination.trim()));
    if (!done) return;
    setResult(done);
    announce(`Backup saved to ${done.path}.`);
  };

  const askRestore = (event: FormEvent) => {
    event.preventDefault();
    const problem = validatePath(source);
    setSourceError(problem);
    if (!problem) setConfirming(true);
  };

  const doRestore = async () => {
    const status = await restore.run(() => api.restore(source.trim()));
    setConfirming(false);
    refreshStatus();
    refreshWarnings();
    if (!status) return;
    setRestored(source.trim());
    announce('Backup restored.');
  };

  const backupFieldError = destinationError ?? (backup.error ? backup.error.message : null);
  const restoreFieldError = sourceError ?? (restore.error ? restore.error.message : null);

  return (
    <section aria-labelledby="backup-title" className="view">
      <header className="view-header">
        <h1 id="backup-title">Backup</h1>
      </header>

      <form className="card form" onSubmit={(e) => void submitBackup(e)} noValidate>
        <h2>Back up</h2>
        <p className="muted">
          Copies every account and all synced data into one SQLite file while the server keeps running.
        </p>
        <TextField
          id="backup-path"
          label="Save the backup as"
          error={backupFieldError}
          hint="A full path, e.g. /home/me/foxden-backup.db"
          className="mono"
          spellCheck={false}
          value={destination}
          onValue={setDestination}
        />
        <div className="button-row">
          <button type="submit" className="button-primary" disabled={backup.busy}>
            {backup.busy ? 'Backing up…' : 'Back up now'}
          </button>
        </div>
        {result && (
          <p className="callout callout-success" role="status" data-testid="backup-result">
            Saved <span className="mono">{result.path}</span> ({formatBytes(result.bytes)}) at{' '}
            {formatDateTime(result.createdAt)}.
          </p>
        )}
      </form>

      <form className="card form" onSubmit={askRestore} noValidate>
        <h2>Restore</h2>
        <p className="muted">
          Replaces <strong>all</strong> accounts and synced data with a backup. The server stops and starts
          again around it.
        </p>
        <TextField
          id="restore-path"
          label="Backup file"
          error={restoreFieldError}
          className="mono"
          spellCheck={false}
          value={source}
          onValue={setSource}
        />
        <div className="button-row">
          <button type="submit" className="button-danger" disabled={restore.busy}>
            Restore…
          </button>
        </div>
        {restored && (
          <p className="callout callout-success" role="status">
            Restored from <span className="mono">{restored}</span>.
          </p>
        )}
      </form>

      <Dialog
        open={confirming}
        title="Restore from this backup?"
        onClose={() => setConfirming(false)}
        onSubmit={() => void doRestore()}
        submitLabel="Replace everything and restore"
        danger
        busy={restore.busy}
      >
        <p>
          Everything on this server now — accounts, and data synced since the backup — is replaced by{' '}
          <span className="mono">{source.trim()}</span>. Browsers will sync the difference again.
        </p>
        <FormError message={restore.error?.message} />
      </Dialog>
    </section>
  );
}
