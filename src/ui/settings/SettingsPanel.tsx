// The run settings: the common ones in front, the rest under "Advanced settings" (which says how many of
// its fields need fixing while closed). Locked while a run is in progress. Changes are kept across
// reloads (formStore).
import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { linkStore } from '../../state/linkStore';
import { FIELD_GROUPS } from '../../state/trainForm';
import { isActive } from '../../state/runStore';
import { useForm, useRun } from '../stores';
import { RunSize } from './RunSize';
import { SchedulePreview } from './SchedulePreview';
import { SettingField } from './SettingField';

function Groups({ advanced }: { advanced: boolean }) {
  const form = useForm((s) => s.form);
  const errors = useForm((s) => s.errors);
  const setField = useForm((s) => s.setField);
  // the texts of one's own kept in this browser are data sets too
  const ownTexts = useForm((s) => s.ownTexts);
  const locked = useRun((s) => isActive(s.status));
  // a teacher's link can hide controls (`<key>_hide=1`); their values still apply
  const hidden = useStore(linkStore, (s) => s.hidden);
  return (
    <div className="settings">
      {FIELD_GROUPS.filter((g) => g.advanced === advanced && g.fields.some((f) => !hidden.includes(f.key))).map((g) => (
        <fieldset key={g.title}>
          <legend>{g.title}</legend>
          {g.fields.filter((f) => !hidden.includes(f.key)).map((f) => (
            <SettingField key={f.key} spec={f.key === 'data' ? { ...f, options: [...f.options!, ...(ownTexts ?? [])] } : f} value={form[f.key]} error={errors[f.key]} disabled={locked} onChange={(v) => setField(f.key, v)} />
          ))}
        </fieldset>
      ))}
    </div>
  );
}

export function SettingsPanel() {
  const errors = useForm((s) => s.errors);
  const cfg = useForm((s) => s.cfg);
  const reset = useForm((s) => s.reset);
  const locked = useRun((s) => isActive(s.status));
  const advancedProblems = FIELD_GROUPS.filter((g) => g.advanced).flatMap((g) => g.fields).filter((f) => errors[f.key]).length;
  const details = useRef<HTMLDetailsElement>(null);
  // a message in a closed section would go unseen: open it (and leave it to the user to close)
  useEffect(() => {
    if (advancedProblems > 0 && details.current) details.current.open = true;
  }, [advancedProblems]);
  return (
    <section className="panel" aria-labelledby="settings-title" data-testid="train-panel">
      <h2 id="settings-title">Settings</h2>
      <p className="explain">The same settings as <code>npm run train</code>, with the same names and checks.</p>
      <Groups advanced={false} />
      <div className="settings-extra">
        <RunSize />
        <SchedulePreview cfg={cfg} />
      </div>
      <details className="advanced" ref={details}>
        <summary>Advanced settings{advancedProblems > 0 && <span className="error"> ({advancedProblems} to fix)</span>}</summary>
        <Groups advanced />
      </details>
      {errors.config && <p className="error" data-testid="settings-error">{errors.config}</p>}
      <button type="button" className="link" onClick={reset} disabled={locked}>Reset settings to defaults</button>
    </section>
  );
}
