import type { InputHTMLAttributes, ReactNode } from 'react';

type FieldError = string | null | undefined;

/** The ids of a field's hint and error, for the input's aria-describedby. */
function describedBy(id: string, hint: ReactNode, error: FieldError): string | undefined {
  return (
    [hint ? `${id}-hint` : undefined, error ? `${id}-error` : undefined].filter(Boolean).join(' ') ||
    undefined
  );
}

/** The hint and the error under an input, with the ids `describedBy` names. */
function FieldNotes({ id, hint, error }: { id: string; hint?: ReactNode; error: FieldError }) {
  return (
    <>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </>
  );
}

interface FieldProps {
  id: string;
  label: string;
  /** Shown under the input and announced; links the input via aria-describedby. */
  error?: FieldError;
  hint?: ReactNode;
  children: (ids: { describedBy: string | undefined; invalid: boolean }) => ReactNode;
}

/** A labelled form row whose error sits right under its input, in plain words. */
export function Field({ id, label, error, hint, children }: FieldProps) {
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ describedBy: describedBy(id, hint, error), invalid: Boolean(error) })}
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

type TextFieldProps = Omit<FieldProps, 'children'> & {
  value: string;
  onValue: (value: string) => void;
} & Omit<
    InputHTMLAttributes<HTMLInputElement>,
    'id' | 'value' | 'onChange' | 'aria-describedby' | 'aria-invalid'
  >;

/** The usual Field: one text input; other input attributes pass through. */
export function TextField({ id, label, error, hint, value, onValue, ...input }: TextFieldProps) {
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {({ describedBy, invalid }) => (
        <input
          {...input}
          id={id}
          value={value}
          onChange={(e) => onValue(e.target.value)}
          aria-describedby={describedBy}
          aria-invalid={invalid}
        />
      )}
    </Field>
  );
}

interface ToggleProps {
  id: string;
  label: string;
  hint?: string;
  checked: boolean;
  error?: FieldError;
  onChange: (value: boolean) => void;
}

/** A switch with its label, hint and error beside it rather than above and below. */
export function Toggle({ id, label, hint, checked, error, onChange }: ToggleProps) {
  return (
    <div className="toggle-row">
      <input
        id={id}
        name={id}
        type="checkbox"
        className="switch"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={describedBy(id, hint, error)}
      />
      <div>
        <label htmlFor={id}>{label}</label>
        <FieldNotes id={id} hint={hint} error={error} />
      </div>
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

export interface Choice<T extends string> {
  value: T;
  title: string;
  detail: string;
}

/** Radio buttons drawn as cards, a title and a line of detail each; the caller's fieldset holds them. */
export function RadioChoices<T extends string>({
  name,
  choices,
  value,
  onChange,
}: {
  name: string;
  choices: readonly Choice<T>[];
  value: T;
  onChange: (value: T) => void;
}) {
  return choices.map((choice) => (
    <label className="choice" key={choice.value}>
      <input
        type="radio"
        name={name}
        value={choice.value}
        checked={value === choice.value}
        onChange={() => onChange(choice.value)}
      />
      <span>
        <strong>{choice.title}</strong>
        <span className="muted block">{choice.detail}</span>
      </span>
    </label>
  ));
}
