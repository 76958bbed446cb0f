import { useEffect, useRef, useState } from 'react';
import { useApp } from '../app-context.js';

interface CopyButtonProps {
  value: string;
  /** Visible button text, e.g. "Copy Firefox setup URL". */
  label?: string;
  /** What is copied, for screen readers: "Copy tokenserver URL". */
  what?: string;
  className?: string;
}

/** Copies `value` and says "Copied" on the button for a moment (and to screen readers). */
export function CopyButton({ value, label = 'Copy', what, className }: CopyButtonProps) {
  const { announce } = useApp();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
      announce(`Copied ${what ?? 'to the clipboard'}.`);
    } catch {
      setState('failed');
      announce('Copying failed: select the text and press Ctrl+C (⌘C on a Mac).');
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 2500);
  };

  return (
    <button
      type="button"
      className={`copy-button ${state === 'copied' ? 'is-copied' : ''} ${className ?? ''}`.trim()}
      onClick={() => void copy()}
      // "Copy value" alone is ambiguous in a table; say what is copied unless the label already does.
      aria-label={
        what && state === 'idle' && !label.toLowerCase().includes(what.toLowerCase())
          ? `${label}: ${what}`
          : undefined
      }
    >
      {state === 'copied' ? '✓ Copied' : state === 'failed' ? 'Copy failed' : label}
    </button>
  );
}
