import type { AdminStatus } from '../../server/admin/api.js';

const LABELS: Record<AdminStatus['state'], string> = {
  running: 'Running',
  stopped: 'Stopped',
  starting: 'Starting…',
  stopping: 'Stopping…',
  failed: 'Failed',
};

export function StateBadge({ state }: { state: AdminStatus['state'] }) {
  return (
    <span className={`badge badge-${state}`} data-state={state}>
      <span className="badge-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
