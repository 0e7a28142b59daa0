// The run settings form: the exposed RunConfig fields in groups; locked while a run is in progress.
import { FIELD_GROUPS } from '../../state/trainForm';
import { isActive } from '../../state/runStore';
import { useForm, useRun } from '../stores';
import { SettingField } from './SettingField';

/** Settings grouped as devices / training / model; each shows its own validation message. */
export function TrainSettings() {
  const form = useForm((s) => s.form);
  const errors = useForm((s) => s.errors);
  const setField = useForm((s) => s.setField);
  const locked = useRun((s) => isActive(s.status));
  return (
    <div className="settings">
      {FIELD_GROUPS.map((g) => (
        <fieldset key={g.title}>
          <legend>{g.title}</legend>
          {g.fields.map((f) => (
            <SettingField key={f.key} spec={f} value={form[f.key]} error={errors[f.key]} disabled={locked} onChange={(v) => setField(f.key, v)} />
          ))}
        </fieldset>
      ))}
      {errors.config && <p className="error" data-testid="settings-error">{errors.config}</p>}
    </div>
  );
}
