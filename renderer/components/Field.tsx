import type { ReactNode } from 'react';

interface FieldProps {
  id: string;
  label: string;
  /** Shown under the input and announced; links the input via aria-describedby. */
  error?: string | null | undefined;
  hint?: ReactNode;
  children: (ids: { describedBy: string | undefined; invalid: boolean }) => ReactNode;
}

/** A labelled form row whose error sits right under its input, in plain words. */
export function Field({ id, label, error, hint, children }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ describedBy, invalid: Boolean(error) })}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** A form-level error (one with no `field`), announced when it appears. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}
