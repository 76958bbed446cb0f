import { useEffect, useState } from 'react';

export type ThemeChoice = 'auto' | 'light' | 'dark';
const KEY = 'foxden.theme';

function stored(): ThemeChoice {
  const value = window.localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'auto';
}

/**
 * "auto" follows prefers-color-scheme through CSS alone; an explicit choice sets
 * data-theme on <html> (an attribute, not an inline style, so the CSP holds).
 */
export function useTheme(): [ThemeChoice, (t: ThemeChoice) => void] {
  const [theme, setTheme] = useState<ThemeChoice>(stored);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'auto') {
      delete root.dataset.theme;
      window.localStorage.removeItem(KEY);
    } else {
      root.dataset.theme = theme;
      window.localStorage.setItem(KEY, theme);
    }
  }, [theme]);
  return [theme, setTheme];
}
