import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { getAdminApi } from './api.js';
import { AppContext, type AppServices } from './app-context.js';
import { Logo } from './components/Logo.js';
import { StateBadge } from './components/StateBadge.js';
import { WarningsBanner } from './components/WarningsBanner.js';
import { usePolling } from './hooks.js';
import { useTheme, type ThemeChoice } from './theme.js';
import { AccountsView } from './views/AccountsView.js';
import { BackupView } from './views/BackupView.js';
import { LogsView } from './views/LogsView.js';
import { SettingsView } from './views/SettingsView.js';
import { SetupView } from './views/SetupView.js';
import { StatusView } from './views/StatusView.js';

const VIEWS = [
  { id: 'status', label: 'Status' },
  { id: 'accounts', label: 'Accounts' },
  { id: 'settings', label: 'Settings' },
  { id: 'logs', label: 'Logs' },
  { id: 'setup', label: 'Setup help' },
  { id: 'backup', label: 'Backup' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

const THEME_NEXT: Record<ThemeChoice, ThemeChoice> = { auto: 'light', light: 'dark', dark: 'auto' };
const THEME_LABEL: Record<ThemeChoice, string> = {
  auto: 'Theme: automatic',
  light: 'Theme: light',
  dark: 'Theme: dark',
};

/** The view named in the address (#/accounts), so reloading keeps the place; the token fragment is gone by now. */
function viewFromHash(): ViewId {
  const id = window.location.hash.replace(/^#\/?/, '');
  return VIEWS.some((v) => v.id === id) ? (id as ViewId) : 'status';
}

export function App() {
  const api = useMemo(() => getAdminApi(), []);
  const [view, setView] = useState<ViewId>(viewFromHash);
  const [theme, setTheme] = useTheme();
  const [message, setMessage] = useState('');
  const messageTimer = useRef<number | undefined>(undefined);
  const mainRef = useRef<HTMLElement>(null);

  const status = usePolling(() => api.status(), 2000);
  const warnings = usePolling(() => api.warnings(), 10000);

  const announce = useCallback((text: string) => {
    // Clearing first makes screen readers repeat an identical message.
    setMessage('');
    window.setTimeout(() => setMessage(text), 30);
    window.clearTimeout(messageTimer.current);
    messageTimer.current = window.setTimeout(() => setMessage(''), 6000);
  }, []);

  const services = useMemo<AppServices>(
    () => ({
      api,
      announce,
      refreshWarnings: () => void warnings.refresh(),
      refreshStatus: () => void status.refresh(),
    }),
    [api, announce, warnings.refresh, status.refresh],
  );

  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const go = (id: ViewId) => {
    setView(id);
    window.history.replaceState(null, '', `#/${id}`);
    mainRef.current?.focus();
  };

  if (status.error?.code === 'unauthorized') {
    return (
      <main className="locked" id="main">
        <div className="card locked-card">
          <h1>Foxden dashboard</h1>
          <p role="alert">{status.error.message}</p>
          <p className="muted">
            Open the dashboard from the Foxden tray menu, or, in headless mode, use the dashboard link Foxden
            printed when it started. The link carries a key that only works for this session.
          </p>
        </div>
      </main>
    );
  }

  return (
    <AppContext.Provider value={services}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <aside className="sidebar">
          <div className="brand">
            <Logo />
            <span className="brand-name">Foxden</span>
          </div>
          {status.data && (
            <div className="sidebar-status">
              <StateBadge state={status.data.state} />
            </div>
          )}
          <nav aria-label="Sections">
            <ul>
              {VIEWS.map((v) => (
                <li key={v.id}>
                  <button
                    type="button"
                    className={v.id === view ? 'nav-item is-current' : 'nav-item'}
                    aria-current={v.id === view ? 'page' : undefined}
                    onClick={() => go(v.id)}
                    data-view={v.id}
                  >
                    {v.label}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <div className="sidebar-footer">
            <button
              type="button"
              className="button-quiet theme-toggle"
              onClick={() => setTheme(THEME_NEXT[theme])}
              aria-label={`${THEME_LABEL[theme]}. Switch to ${THEME_NEXT[theme]}.`}
            >
              {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} {THEME_LABEL[theme]}
            </button>
            {status.data && <span className="muted small">Foxden {status.data.version}</span>}
          </div>
        </aside>
        <div className="content">
          <WarningsBanner warnings={warnings.data ?? []} />
          {status.error && (
            <p className="callout callout-error" role="alert">
              {status.error.message}
            </p>
          )}
          <main id="main" ref={mainRef} tabIndex={-1} className="main">
            {view === 'status' && <StatusView status={status.data} />}
            {view === 'accounts' && <AccountsView />}
            {view === 'settings' && <SettingsView />}
            {view === 'logs' && <LogsView />}
            {view === 'setup' && <SetupView />}
            {view === 'backup' && <BackupView />}
          </main>
        </div>
      </div>
      <div className="toast" role="status" aria-live="polite" data-testid="announcer">
        {message}
      </div>
    </AppContext.Provider>
  );
}
