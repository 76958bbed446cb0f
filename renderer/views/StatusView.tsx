import type { AdminStatus, CertificateStatus } from '../../server/admin/api.js';
import { useApp } from '../app-context.js';
import { CopyButton } from '../components/CopyButton.js';
import { FormError } from '../components/Field.js';
import { StateBadge } from '../components/StateBadge.js';
import { formatDuration, formatExpiry, formatTime } from '../format.js';
import { useAction } from '../hooks.js';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

interface StatusViewProps {
  status: AdminStatus | null;
}

/** Is the server up, where, and the one URL Firefox needs. */
export function StatusView({ status }: StatusViewProps) {
  const { api, announce, refreshStatus, refreshWarnings } = useApp();
  const action = useAction();

  if (!status) return <p className="loading">Loading status…</p>;

  const lifecycle = async (verb: 'start' | 'stop' | 'restart') => {
    const result = await action.run(() => api[verb]());
    refreshStatus();
    refreshWarnings();
    if (result) announce(`Server ${result.state}.`);
  };

  const { state, listen } = status;
  const servesLan = listen !== null && WILDCARD_HOSTS.has(listen.host);
  const canStart = state === 'stopped' || state === 'failed';
  const canStop = state === 'running';

  return (
    <section aria-labelledby="status-title" className="view">
      <header className="view-header">
        <h1 id="status-title">Status</h1>
        <StateBadge state={state} />
      </header>

      {state === 'failed' && status.lastError && (
        <div className="callout callout-error" role="alert">
          <strong>The server could not start.</strong> {status.lastError}
        </div>
      )}
      {status.restartRequired && (
        <div className="callout callout-info">Some saved settings apply after a restart.</div>
      )}
      {status.signupsNote && (
        <div className="callout callout-info" data-testid="signups-note">
          {status.signupsNote} Open them again in Settings if more people need an account.
        </div>
      )}

      <div className="card setup-card">
        <h2>Firefox setup URL</h2>
        <p className="muted">
          Paste this into <code>identity.sync.tokenserver.uri</code> in Firefox&apos;s{' '}
          <code>about:config</code>. See Setup help for the full steps.
        </p>
        <div className="copy-row">
          <output className="mono url-output" aria-label="Firefox setup URL" data-testid="setup-url">
            {status.setupUrl}
          </output>
          <CopyButton
            value={status.setupUrl}
            label="Copy Firefox setup URL"
            what="Firefox setup URL"
            className="button-primary"
          />
        </div>
      </div>

      <div className="card">
        <dl className="facts">
          <dt>Listening on</dt>
          <dd className="mono">{listen ? `${listen.host}:${listen.port}` : 'Not listening'}</dd>
          {servesLan && (
            <>
              <dt>Home network addresses</dt>
              <dd>
                {status.lanAddresses.length === 0 ? (
                  'No network address found'
                ) : (
                  <ul className="plain-list mono">
                    {status.lanAddresses.map((a) => (
                      <li key={a}>{a}</li>
                    ))}
                  </ul>
                )}
              </dd>
            </>
          )}
          <dt>Public URL</dt>
          <dd className="mono">{status.publicUrl}</dd>
          <dt>Uptime</dt>
          <dd>{status.uptimeMs === null ? '—' : formatDuration(status.uptimeMs)}</dd>
          <dt>Requests</dt>
          <dd>
            {status.requests.total.toLocaleString()} total, {status.requests.failed.toLocaleString()} failed
          </dd>
          <dt>Data folder</dt>
          <dd className="mono">{status.dataDir}</dd>
          {status.database && (
            <>
              <dt>Database</dt>
              <dd data-testid="status-database">
                {status.database.name} <span className="mono">{status.database.where}</span>
                {status.database.problem && (
                  <span className="field-error" role="alert" data-testid="database-problem">
                    {' '}
                    Cannot be reached since {formatTime(status.database.problem.since)}: see the warning
                    above.
                  </span>
                )}
              </dd>
            </>
          )}
          <dt>Version</dt>
          <dd>{status.version}</dd>
        </dl>
      </div>

      {status.certificate && <CertificateCard certificate={status.certificate} />}

      <div className="button-row">
        <button
          type="button"
          className="button-primary"
          disabled={!canStart || action.busy}
          onClick={() => void lifecycle('start')}
        >
          Start
        </button>
        <button
          type="button"
          className="button-secondary"
          disabled={!canStop || action.busy}
          onClick={() => void lifecycle('stop')}
        >
          Stop
        </button>
        <button
          type="button"
          className="button-secondary"
          disabled={!canStop || action.busy}
          onClick={() => void lifecycle('restart')}
        >
          Restart
        </button>
      </div>
      <FormError message={action.error?.message} />
    </section>
  );
}

const MODE_NAMES: Record<CertificateStatus['mode'], string> = {
  auto: 'Automatic, from Foxden’s household CA',
  files: 'Your own certificate files',
};

/** What the sync port presents: the names browsers may use, until when, and the CA to trust. */
function CertificateCard({ certificate }: { certificate: CertificateStatus }) {
  return (
    <div className="card" data-testid="status-certificate">
      <h2>HTTPS certificate</h2>
      <dl className="facts">
        <dt>Mode</dt>
        <dd>{MODE_NAMES[certificate.mode]}</dd>
        <dt>Names</dt>
        <dd>
          <ul className="plain-list mono" data-testid="certificate-names">
            {certificate.names.map((name) => (
              <li key={name}>{name}</li>
            ))}
          </ul>
        </dd>
        {certificate.leftOut.length > 0 && (
          <>
            <dt>Not in it</dt>
            <dd>
              <ul className="plain-list" data-testid="certificate-left-out">
                {certificate.leftOut.map((left) => (
                  <li key={left.name}>
                    <span className="mono">{left.name}</span>: {left.reason}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        <dt>Valid until</dt>
        <dd data-testid="certificate-expiry">{formatExpiry(certificate.notAfter)}</dd>
        {certificate.ca && (
          <>
            <dt>Household CA</dt>
            <dd>{certificate.ca.subject}</dd>
            <dt>CA fingerprint (SHA-256)</dt>
            <dd className="mono fingerprint" data-testid="ca-fingerprint">
              {certificate.ca.fingerprint256}
            </dd>
          </>
        )}
        {certificate.problem && (
          <>
            <dt>Certificate problem</dt>
            <dd className="field-error">{certificate.problem}</dd>
          </>
        )}
      </dl>
      {certificate.ca && (
        <p className="hint">
          Each device trusts this CA once; compare this fingerprint when you import it (see Setup help).
        </p>
      )}
    </div>
  );
}
