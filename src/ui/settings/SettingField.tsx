// One setting: its command-line name as the label (and so the control's accessible name), an input or a
// select, and the schema's message right under it. The setting's one-line help (from the schema) is the
// control's description.
import { describeKey } from '../../engine/config';
import type { FieldSpec } from '../../state/trainForm';

interface Props {
  spec: FieldSpec;
  value: string;
  error?: string;
  disabled: boolean;
  onChange: (v: string) => void;
}

export function SettingField({ spec, value, error, disabled, onChange }: Props) {
  const id = `setting-${spec.key}`;
  const help = describeKey(spec.key);
  const common = {
    id, value, disabled, 'data-testid': id, 'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${id}-error` : undefined, 'aria-description': help,
  };
  return (
    <div className={`setting${error ? ' invalid' : ''}`}>
      <label htmlFor={id} title={help}>{spec.label}</label>
      {spec.kind === 'choice' ? (
        <select {...common} onChange={(e) => onChange(e.target.value)}>
          {/* a value from a saved setting or a link that the list lacks (e.g. add5) stays visible */}
          {(spec.options!.includes(value) ? spec.options! : [...spec.options!, value]).map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      ) : (
        <input {...common} type="text" inputMode={spec.kind === 'int' ? 'numeric' : spec.kind === 'number' ? 'decimal' : 'text'} spellCheck={false}
          autoComplete="off" placeholder={spec.placeholder} onChange={(e) => onChange(e.target.value)} />
      )}
      {error && <span className="error" id={`${id}-error`} data-testid={`${id}-error`} role="alert">{error}</span>}
    </div>
  );
}
