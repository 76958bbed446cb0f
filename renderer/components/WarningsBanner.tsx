import type { Warning } from '../../server/admin/api.js';

/** Everything warnings() says, on top of every view, errors first. */
export function WarningsBanner({ warnings }: { warnings: Warning[] }) {
  if (warnings.length === 0) return <div aria-live="polite" className="warnings-empty" />;
  const sorted = [...warnings].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1,
  );
  const hasError = sorted.some((w) => w.severity === 'error');
  return (
    <div
      className={hasError ? 'warnings warnings-error' : 'warnings'}
      aria-live="polite"
      aria-label="Warnings"
    >
      <ul>
        {sorted.map((w) => (
          <li
            key={`${w.code}:${w.message}`}
            data-warning={w.code}
            className={`warning warning-${w.severity}`}
          >
            <span className="warning-icon" aria-hidden="true">
              {w.severity === 'error' ? '⛔' : '⚠'}
            </span>
            <span>
              <span className="visually-hidden">{w.severity === 'error' ? 'Error: ' : 'Warning: '}</span>
              <strong>{w.message}</strong>
              {w.hint && <span className="warning-hint"> {w.hint}</span>}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
