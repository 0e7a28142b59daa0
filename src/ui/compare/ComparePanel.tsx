// Finished runs, kept across reloads: tick two or more to overlay their loss and throughput, with a
// table of final loss, validation loss, tokens/s, communication share and wall time, and the settings
// in which they differ.
import { useMemo } from 'react';
import { differingKeys, setupOf } from '../../state/compare';
import { history, useHistory } from '../stores';
import { duration, rate } from '../train/format';
import { CompareChart, RUN_COLORS } from './CompareChart';

const when = (t: number) => new Date(t).toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function ComparePanel() {
  const runs = useHistory((s) => s.runs);
  const selected = useHistory((s) => s.selected);
  const error = useHistory((s) => s.error);
  const chosen = useMemo(() => runs.filter((r) => selected.includes(r.id)), [runs, selected]);
  const diff = differingKeys(chosen);
  // the newest run has the highest number; the charts name runs as the table does
  const nameOf = (r: (typeof runs)[number]) => `run ${runs.length - runs.indexOf(r)}`;
  const labels = useMemo(() => chosen.map((r) => `run ${runs.length - runs.indexOf(r)}`), [chosen, runs]);
  return (
    <section className="panel" aria-labelledby="compare-title">
      <h2 id="compare-title">Compare runs</h2>
      <p className="explain">
        Every finished run is kept here, also after a reload. Tick runs to overlay them: for example micro-batch 32
        against micro-batch 8 × accum 4 with the same seed trains on the same samples, so the loss curves should
        agree while the time per step differs.
      </p>
      {error && <p className="error" role="alert">{error}</p>}
      {runs.length === 0 ? <p className="empty">No finished runs yet.</p> : (
        <div className="table-scroll">
          <table className="compare" data-testid="compare-table" aria-label="Finished runs">
            <thead>
              <tr><th>compare</th><th>run</th><th>setup (devices×micro-batch×accum)</th><th>data</th><th>outcome</th><th>final loss</th><th>val loss</th><th>tokens/s</th><th>comm share</th><th>wall time</th><th /></tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const k = chosen.indexOf(r);
                const name = nameOf(r);
                return (
                  <tr key={r.id} data-testid="compare-row" data-selected={k >= 0}>
                    <td><input type="checkbox" checked={k >= 0} onChange={() => history.toggle(r.id)} aria-label={`compare ${name}`} /></td>
                    <td>{k >= 0 && <span className="dot" style={{ background: RUN_COLORS[k % RUN_COLORS.length] }} />}{name}{r.label && <> · {r.label}</>}<br /><small>{when(r.savedAt)}</small></td>
                    <td>{setupOf(r.cfg)}</td>
                    <td>{r.cfg.data}, {r.summary.steps} steps</td>
                    <td className={`outcome-${r.outcome}`}>{r.outcome}{r.summary.faults ? <><br /><small>{r.summary.faults === 1 ? '1 device fault' : `${r.summary.faults} device faults`}</small></> : null}</td>
                    <td data-testid="compare-final-loss">{r.summary.finalLoss.toFixed(4)}</td>
                    <td>{r.summary.finalVal?.toFixed(4) ?? '–'}</td>
                    <td>{rate(r.summary.tokensPerS)}</td>
                    <td>{(100 * r.summary.commShare).toFixed(0)}%</td>
                    <td>{duration(r.summary.wallMs)}</td>
                    <td><button type="button" className="link" onClick={() => void history.remove(r.id)} aria-label={`delete ${name}`}>delete</button></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {chosen.length > 0 && (
        <>
          <p data-testid="compare-diff">
            {chosen.length < 2 ? 'Tick another run to compare.' : diff.length ? <>Compared runs differ in: {diff.join(', ')}.</> : 'The compared runs have the same settings.'}
          </p>
          <div className="chart-grid">
            <CompareChart title="Compared loss" runs={chosen} labels={labels} pick="loss" yLabel="loss (nats/char)" testId="compare-loss-chart" />
            <CompareChart title="Compared throughput" runs={chosen} labels={labels} pick="tokensPerS" yLabel="tokens/s" testId="compare-tps-chart" />
          </div>
        </>
      )}
    </section>
  );
}
