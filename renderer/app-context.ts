import { createContext, useContext } from 'react';
import type { AdminApi } from '../server/admin/api.js';

export interface AppServices {
  api: AdminApi;
  /** Says something to screen readers and shows it in the toast line (confirmations). */
  announce: (message: string) => void;
  /** Re-reads warnings() for the banner; call after anything that changes settings or state. */
  refreshWarnings: () => void;
  /** Re-reads status() for the header badge. */
  refreshStatus: () => void;
}

export const AppContext = createContext<AppServices | null>(null);

export function useApp(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useApp() outside <AppContext.Provider>');
  return services;
}
