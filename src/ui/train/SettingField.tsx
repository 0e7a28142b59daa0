// One setting: its flag-style label, an input (or a select for choices) and the schema's message.
import { describeKey } from '../../engine/config';
import type { FieldSpec } from '../../state/trainForm';

interface Props {
  spec: FieldSpec;
  value: string;
  error?: string;
  disabled: boolean;
  onChange: (v: string) => void;
}

/** A labelled input whose error (from the RunConfig schema) sits right under it. */
export function SettingField({ spec, value, error, disabled, onChange }: Props) {
  const id = `setting-${spec.key}`;
  const common = {
    id, value, disabled, 'data-testid': id, 'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${id}-error` : undefined,
  };
  return (
    <div className={`setting${error ? ' invalid' : ''}`}>
      <label htmlFor={id} title={describeKey(spec.key)}>{spec.label}</label>
      {spec.kind === 'choice' ? (
        <select {...common} onChange={(e) => onChange(e.target.value)}>
          {spec.options!.map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      ) : (
        <input {...common} type="text" inputMode={spec.kind === 'int' ? 'numeric' : 'decimal'} spellCheck={false}
          onChange={(e) => onChange(e.target.value)} />
      )}
      {error && <span className="error" id={`${id}-error`} data-testid={`${id}-error`}>{error}</span>}
    </div>
  );
}
