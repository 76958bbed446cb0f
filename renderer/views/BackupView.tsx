import { useEffect, useState, type FormEvent } from 'react';
import type { BackupResult, BackupStatus, RestoreResult } from '../../server/admin/api.js';
import { useApp } from '../app-context.js';
import { Dialog } from '../components/ConfirmDialog.js';
import { Field, FormError, TextField } from '../components/Field.js';
import { formatAgo, formatBytes, formatDateTime } from '../format.js';
import { toApiError } from '../api.js';
import { useAction, usePolling } from '../hooks.js';
import { validateBackupKeep, validatePath } from '../validate.js';

/** The same two days as the server's 'backup-stale' warning (server/admin/backup-warnings.ts). */
const STALE_MS = 2 * 24 * 60 * 60 * 1000;

const SCHEDULE_CHOICES: { hours: number; label: string }[] = [
  { hours: 0, label: 'Off' },
  { hours: 6, label: 'Every 6 hours' },
  { hours: 12, label: 'Every 12 hours' },
  { hours: 24, label: 'Every day' },
  { hours: 24 * 7, label: 'Every week' },
];

function scheduleLabel(hours: number): string {
  return SCHEDULE_CHOICES.find((c) => c.hours === hours)?.label ?? `Every ${hours} hours`;
}

/** Scheduled backups into a folder, a one-off backup to a chosen file, and restore. */
export function BackupView() {
  const { api, announce, refreshStatus, refreshWarnings } = useApp();
  const schedule = usePolling(() => api.backupStatus(), 10_000);

  return (
    <section aria-labelledby="backup-title" className="view">
      <header className="view-header">
        <h1 id="backup-title">Backup</h1>
      </header>
      <ScheduleCard
        status={schedule.data}
        onChanged={() => {
          void schedule.refresh();
          refreshWarnings();
        }}
        announce={announce}
      />
      <BackupToFileCard announce={announce} />
      <RestoreCard
        announce={announce}
        onRestored={() => {
          refreshStatus();
          refreshWarnings();
          void schedule.refresh();
        }}
      />
      <SecretsCard status={schedule.data} />
    </section>
  );
}

function ScheduleCard({
  status,
  onChanged,
  announce: say,
}: {
  status: BackupStatus | null;
  onChanged: () => void;
  announce: (text: string) => void;
}) {
  const { api } = useApp();
  const [folder, setFolder] = useState('');
  const [every, setEvery] = useState(24);
  const [keep, setKeep] = useState('7');
  const [folderError, setFolderError] = useState<string | null>(null);
  const [keepError, setKeepError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const save = useAction();
  const now = useAction();

  useEffect(() => {
    if (!status || loaded) return;
    setFolder(status.folderChosen ? status.folder : '');
    setEvery(status.everyHours);
    setKeep(String(status.keep));
    setLoaded(true);
  }, [status, loaded]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = folder.trim();
    const fProblem = trimmed ? validatePath(trimmed) : null;
    const keepNumber = Number(keep.trim());
    const kProblem = validateBackupKeep(keep);
    setFolderError(fProblem);
    setKeepError(kProblem);
    if (fProblem || kProblem) return;
    const done = await save.run(() =>
      api.updateSettings({ backupFolder: trimmed || null, backupEveryHours: every, backupKeep: keepNumber }),
    );
    if (!done) return;
    say('Backup schedule saved.');
    onChanged();
  };

  const backUpNow = async () => {
    const done = await now.run(() => api.backupNow());
    onChanged();
    if (done) say(`Backup saved to ${done.path}.`);
  };

  const lastGood = status?.lastGood ?? null;
  const failure = status?.lastFailure ?? null;
  const stale = lastGood !== null && Date.now() - lastGood.createdAt > STALE_MS;

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="schedule-title">
      <h2 id="schedule-title">Scheduled backups</h2>
      {status && (
        <p className="muted" data-testid="backup-schedule">
          {status.everyHours === 0 ? (
            <>Scheduled backups are off.</>
          ) : (
            <>
              {scheduleLabel(status.everyHours)}, keeping the last {status.keep}, into{' '}
              <span className="mono">{status.folder}</span>
              {status.nextDue !== null && <> — next {formatDateTime(Math.max(status.nextDue, Date.now()))}</>}
              .
            </>
          )}
        </p>
      )}
      {status && !status.folderChosen && (
        <p className="callout callout-info">
          Backups go into the data folder until you choose another one. A folder on a second disk or a network
          share (NAS) is safer: a backup on the same disk is lost with it.
        </p>
      )}
      <p data-testid="backup-last-good">
        Last good backup:{' '}
        {lastGood ? (
          <>
            {formatDateTime(lastGood.createdAt)} ({formatAgo(lastGood.createdAt)}),{' '}
            <span className="mono">{lastGood.path}</span> ({formatBytes(lastGood.bytes)})
          </>
        ) : (
          'none yet'
        )}
      </p>
      {failure && (
        <p className="callout callout-error" role="alert" data-testid="backup-failure">
          The last scheduled backup failed {formatAgo(failure.at)}: {failure.message}
        </p>
      )}
      {!failure && stale && (
        <p className="callout callout-warning" role="alert">
          The last good backup is more than two days old.
        </p>
      )}
      <TextField
        id="backup-folder"
        label="Backup folder"
        error={folderError ?? (save.error?.field === 'backupFolder' ? save.error.message : null)}
        hint={status ? `Empty: ${status.folderChosen ? 'the data folder' : status.folder}` : undefined}
        className="mono"
        spellCheck={false}
        value={folder}
        onValue={setFolder}
      />
      <Field id="backup-every" label="How often">
        {({ describedBy }) => (
          <select
            id="backup-every"
            aria-describedby={describedBy}
            value={every}
            onChange={(e) => setEvery(Number(e.target.value))}
          >
            {SCHEDULE_CHOICES.some((c) => c.hours === every) ? null : (
              <option value={every}>{scheduleLabel(every)}</option>
            )}
            {SCHEDULE_CHOICES.map((c) => (
              <option key={c.hours} value={c.hours}>
                {c.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <TextField
        id="backup-keep"
        label="Backups to keep"
        error={keepError ?? (save.error?.field === 'backupKeep' ? save.error.message : null)}
        hint="Older scheduled backups are deleted; other files in the folder never are."
        inputMode="numeric"
        value={keep}
        onValue={setKeep}
      />
      <FormError
        message={
          save.error && save.error.field !== 'backupFolder' && save.error.field !== 'backupKeep'
            ? save.error.message
            : now.error?.message
        }
      />
      <div className="button-row">
        <button type="submit" className="button-primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save schedule'}
        </button>
        <button
          type="button"
          className="button-secondary"
          disabled={now.busy}
          onClick={() => void backUpNow()}
        >
          {now.busy ? 'Backing up…' : 'Back up to the folder now'}
        </button>
      </div>
    </form>
  );
}

function BackupToFileCard({ announce: say }: { announce: (text: string) => void }) {
  const { api } = useApp();
  const [destination, setDestination] = useState('');
  const [destinationError, setDestinationError] = useState<string | null>(null);
  const [result, setResult] = useState<BackupResult | null>(null);
  const [askReplace, setAskReplace] = useState<string | null>(null);
  const backup = useAction();

  const write = async (replace: boolean) => {
    const target = destination.trim();
    // A Foxden backup already there: ask, then send replace: true. Anything else is refused.
    const done = await backup.run(async () => {
      try {
        return await api.backup(target, replace ? { replace: true } : {});
      } catch (err) {
        const error = toApiError(err);
        if (error.code !== 'conflict' || replace) throw error;
        setAskReplace(error.message);
        return null;
      }
    });
    if (!done) return;
    setAskReplace(null);
    setResult(done);
    say(`Backup saved to ${done.path}.`);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = validatePath(destination);
    setDestinationError(problem);
    setResult(null);
    if (problem) return;
    await write(false);
  };

  return (
    <>
      <form className="card form" onSubmit={(e) => void submit(e)} noValidate>
        <h2>Back up to a file</h2>
        <p className="muted">
          Copies every account and all synced data into one file while the server keeps running.
        </p>
        <TextField
          id="backup-path"
          label="Save the backup as"
          error={destinationError ?? (backup.error ? backup.error.message : null)}
          hint="A full path, e.g. /media/usb/foxden-backup.db. An existing file is never overwritten unless it is a Foxden backup and you agree."
          className="mono"
          spellCheck={false}
          value={destination}
          onValue={(value) => {
            setDestination(value);
            backup.setError(null);
          }}
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
      <Dialog
        open={askReplace !== null}
        title="Replace the existing backup?"
        onClose={() => setAskReplace(null)}
        onSubmit={() => void write(true)}
        submitLabel="Replace it"
        danger
        busy={backup.busy}
      >
        <p>{askReplace}</p>
        <FormError message={backup.error?.message} />
      </Dialog>
    </>
  );
}

function RestoreCard({
  announce: say,
  onRestored,
}: {
  announce: (text: string) => void;
  onRestored: () => void;
}) {
  const { api } = useApp();
  const [source, setSource] = useState('');
  const [sourceError, setSourceError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [restored, setRestored] = useState<{ from: string; result: RestoreResult } | null>(null);
  const restore = useAction();

  const askRestore = (event: FormEvent) => {
    event.preventDefault();
    const problem = validatePath(source);
    setSourceError(problem);
    if (!problem) setConfirming(true);
  };

  const doRestore = async () => {
    const from = source.trim();
    const result = await restore.run(() => api.restore(from));
    setConfirming(false);
    onRestored();
    if (!result) return;
    setRestored({ from, result });
    say('Backup restored.');
  };

  return (
    <>
      <form className="card form" onSubmit={askRestore} noValidate>
        <h2>Restore</h2>
        <p className="muted">
          Replaces <strong>all</strong> accounts and synced data with a backup (it may be on a read-only
          disk). The server stops and starts again around it; the current database is kept beside it.
        </p>
        <TextField
          id="restore-path"
          label="Backup file"
          error={sourceError ?? (restore.error ? restore.error.message : null)}
          className="mono"
          spellCheck={false}
          value={source}
          onValue={(value) => {
            setSource(value);
            restore.setError(null);
          }}
        />
        <div className="button-row">
          <button type="submit" className="button-danger" disabled={restore.busy}>
            Restore…
          </button>
        </div>
        {restored && (
          <div className="callout callout-success" role="status" data-testid="restore-result">
            <p>
              Restored from <span className="mono">{restored.from}</span>.
            </p>
            <p>
              {restored.result.previousDatabase ? (
                <>
                  The previous database was kept as{' '}
                  <span className="mono">{restored.result.previousDatabase}</span>.
                </>
              ) : restored.result.status.database && restored.result.status.database.kind !== 'sqlite' ? (
                `Everything ${restored.result.status.database.name} held before was replaced.`
              ) : (
                'There was no database before, so nothing was kept.'
              )}
            </p>
            {restored.result.secrets.map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
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
    </>
  );
}

/** What a full restore needs besides the database, and what losing it costs (docs/dashboard.md). */
function SecretsCard({ status }: { status: BackupStatus | null }) {
  return (
    <section className="card" aria-labelledby="secrets-title">
      <h2 id="secrets-title">What a backup holds besides the data</h2>
      <p>
        Two secrets live outside the database: the <strong>Sync 1.5 master secret</strong> (signs the sync
        tokens Firefox gets) and the <strong>local-accounts signing key</strong> (signs the sign-in tokens of
        Foxden&apos;s own accounts). Every backup carries both, so a restore on a new computer needs nothing
        else. Keep backup files private: anyone with one can read these secrets (but not what browsers synced,
        which they encrypt with keys Foxden never sees).
      </p>
      <p className="muted">
        If the secrets were lost, nothing synced would be lost: each browser would fetch new tokens once.
        {status ? ` ${status.secrets}` : ''}
      </p>
    </section>
  );
}
