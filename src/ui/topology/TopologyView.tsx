// The devices and the links the allreduce uses, as SVG (what tests and screen readers query: a group
// named "Topology" with one element per device, "device 0", "device 1", ...). React draws the devices
// and links when the run's shape changes (devices, algorithm, slow or dead devices); each step then
// updates the links' widths and titles in place, and replay.ts moves the transfer dots on animation
// frames. A 3D view (three.js) can be loaded on demand; it lives in its own chunk. Devices keep their
// ids: after elastic recovery the links join the survivors (the step's ranks mapped to ids through the
// run store's `ids`) and the dead device stays drawn, crossed out. Under the drawing: a kill button per
// device and the recovery policy (KillControls.tsx).
import { Component, lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { fmt } from '../../engine/memory';
import { runStore } from '../../state/runStore';
import { linkLoads, patternLinks, type Algorithm } from '../../state/topology';
import { useForm, useRun } from '../stores';
import { curve, NODE_R, positions } from './geometry';
import { watchVisible } from '../frames';
import { KillControls } from './KillControls';
import { PHASE_COLOR, startReplay, type Replay } from './replay';

const Topology3D = lazy(() => import('./Topology3D'));

const key = (a: number, b: number) => `${a}-${b}`;

/** The 3D view is an extra: if it fails (no WebGL, a chunk that does not load), say so and keep the SVG. */
class Fallback extends Component<{ onFail: () => void; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(e: unknown) {
    console.warn('3D view unavailable:', e);
    this.props.onFail();
  }
  override render() {
    return this.state.failed ? null : this.props.children;
  }
}

/** Bytes per second in words. */
const rate = (bps: number) => `${fmt(bps)}/s`;

export function TopologyView() {
  // before a run: the shape the settings describe; during and after: the run's
  const runCfg = useRun((s) => s.cfg);
  const formCfg = useForm((s) => s.cfg);
  const cfg = runCfg ?? formCfg;
  const N = cfg?.devices ?? 1;
  const alg: Algorithm = cfg?.allreduce ?? 'ring';
  const slow = cfg?.slowDevice ?? null;
  const dead = useRun((s) => s.dead);
  const runIds = useRun((s) => s.ids);
  // device id of each rank of the group that trains (every device before a run)
  const alive = useMemo(() => (runCfg && runIds.length ? runIds : Array.from({ length: N }, (_, r) => r)), [runCfg, runIds, N]);
  const [paused, setPaused] = useState(false);
  const [three, setThree] = useState(false);
  const offThree = useCallback(() => setThree(false), []);
  const layer = useRef<SVGGElement>(null);
  const caption = useRef<HTMLParagraphElement>(null);
  const summary = useRef<HTMLParagraphElement>(null);
  const bar = useRef<SVGRectElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const links = useRef(new Map<string, SVGPathElement>());
  const replay = useRef<Replay | null>(null);

  const pos = useMemo(() => positions(N), [N]);
  const pattern = useMemo(() => patternLinks(alg, alive.length).map((l) => ({ from: alive[l.from], to: alive[l.to] })), [alg, alive]);
  const curves = useMemo(() => new Map(pattern.map((l) => [key(l.from, l.to), curve(pos[l.from], pos[l.to])])), [pattern, pos]);

  useEffect(() => {
    const r = startReplay({ layer: layer.current!, caption: caption.current!, bar: bar.current!, barWidth: 2.8, curveOf: (a, b) => curves.get(key(alive[a], alive[b])) });
    replay.current = r;
    // no frames while the drawing is scrolled away
    const seen = watchVisible(svg.current!, (v) => r.setVisible(v));
    const onStep = () => {
      const s = runStore.getState();
      if (!s.latest || !s.cfg || s.latest.timeline.length !== alive.length) return;
      r.show(s.latest, s.cfg);
      const loads = linkLoads(s.latest, s.cfg.linkBw).map((l) => ({ ...l, from: alive[l.from], to: alive[l.to] }));
      const most = Math.max(1, ...loads.map((l) => l.bytes));
      for (const [k, el] of links.current) {
        const l = loads.find((x) => key(x.from, x.to) === k);
        el.setAttribute('stroke-width', String(0.01 + (l ? 0.028 * (l.bytes / most) : 0)));
        el.dataset.bytes = String(l?.bytes ?? 0);
        el.querySelector('title')!.textContent = l
          ? `device ${l.from} → device ${l.to}: ${fmt(l.bytes)} in step ${s.latest.step}, ${rate(l.rate)} over the step${l.utilisation !== null ? `, ${(100 * l.utilisation).toFixed(0)}% of the ${s.cfg.linkBw} GB/s link` : ''}`
          : `device ${k.replace('-', ' → device ')}: nothing sent in step ${s.latest.step}`;
      }
      const busiest = loads.reduce((a, b) => (b.rate > (a?.rate ?? -1) ? b : a), null as (typeof loads)[number] | null);
      const sent = s.latest.bytesSent.reduce((a, b) => a + b, 0);
      summary.current!.textContent = busiest
        ? `Step ${s.latest.step}: ${fmt(sent)} sent in all; busiest link device ${busiest.from} → device ${busiest.to}, ${rate(busiest.rate)}${busiest.utilisation !== null ? ` (${(100 * busiest.utilisation).toFixed(0)}% of its ${s.cfg.linkBw} GB/s)` : ' (links unlimited: set link-bw to simulate a network)'}.`
        : `Step ${s.latest.step}: nothing sent (one device).`;
    };
    onStep();
    const unsubscribe = runStore.subscribe((s, prev) => s.latest !== prev.latest && onStep());
    return () => {
      unsubscribe();
      seen.stop();
      r.stop();
    };
  }, [curves, alive]);

  useEffect(() => replay.current?.setPaused(paused), [paused]);

  return (
    <section className="panel topology" aria-labelledby="topology-title">
      <h2 id="topology-title">Devices and links</h2>
      <p className="explain">
        Each circle is a simulated device (a Web Worker with its own copy of the model). After each backward pass
        the devices must add up their gradients so every copy takes the same step: that is the <b>allreduce</b>.
        In a <b>ring</b> each device talks only to its neighbour: the gradients are cut into N chunks; in N−1
        <b> reduce-scatter</b> steps each chunk travels round the ring collecting everyone's share, then in N−1
        <b> all-gather</b> steps the finished chunks travel round again, so every device sends 2(N−1)/N of the
        gradients whatever N is. <b>Naive</b> sends everything through device 0; <b>tree</b> goes up and down a tree.
      </p>
      <div className="topo-row">
        <svg ref={svg} className={three ? 'topo-svg visually-hidden' : 'topo-svg'} viewBox="-1.5 -1.5 3 3" role="group" aria-label="Topology" data-testid="topology" data-devices={N} data-allreduce={alg}>
          <defs>
            <marker id="topo-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="0.1" markerHeight="0.1" markerUnits="userSpaceOnUse" orient="auto">
              <path d="M0 0L10 5L0 10z" fill="#8792a0" />
            </marker>
          </defs>
          {pattern.map((l) => (
            <path key={key(l.from, l.to)} ref={(el) => { if (el) links.current.set(key(l.from, l.to), el); else links.current.delete(key(l.from, l.to)); }}
              d={curves.get(key(l.from, l.to))!.d} className="topo-link" fill="none" stroke="#8792a0" strokeWidth="0.01" markerEnd="url(#topo-arrow)">
              <title>{`device ${l.from} → device ${l.to}`}</title>
            </path>
          ))}
          {pos.map((p, r) => {
            const isDead = dead.includes(r), isSlow = slow?.rank === r;
            const state = isDead ? 'dead' : isSlow ? 'slow' : 'ok';
            const note = isDead ? 'dead' : isSlow ? `slow ×${slow!.factor}` : '';
            return (
              <g key={r} role="img" aria-label={`device ${r}`} aria-description={note || undefined} data-testid="topo-device" data-rank={r} data-state={state} className={`topo-device ${state}`}>
                <circle cx={p.x} cy={p.y} r={NODE_R} />
                <text x={p.x} y={p.y} className="topo-rank">{r}</text>
                {note && <text x={p.x} y={p.y + NODE_R + 0.13} className="topo-note">{note}</text>}
                {isDead && <path d={`M${p.x - 0.14} ${p.y - 0.14}L${p.x + 0.14} ${p.y + 0.14}M${p.x + 0.14} ${p.y - 0.14}L${p.x - 0.14} ${p.y + 0.14}`} className="topo-cross" />}
              </g>
            );
          })}
          <g ref={layer} aria-hidden="true" />
          <rect x="-1.4" y="1.42" width="2.8" height="0.03" fill="#e3e6ea" aria-hidden="true" />
          <rect ref={bar} x="-1.4" y="1.42" width="0" height="0.03" fill="#8792a0" aria-hidden="true" />
        </svg>
        {three && (
          <Fallback onFail={offThree}>
            <Suspense fallback={<p className="topo-3d">Loading the 3D view…</p>}>
              <Topology3D curves={curves} N={N} ids={alive} dead={dead} paused={paused} onFail={offThree} />
            </Suspense>
          </Fallback>
        )}
      </div>
      <p className="topo-caption" ref={caption} data-testid="topology-caption">{N === 1 ? 'One device: nothing to exchange.' : 'Start a run to replay its transfers.'}</p>
      <p className="topo-summary" ref={summary} data-testid="topology-summary" />
      <div className="topo-controls">
        <span className="legend">
          <span className="swatch" style={{ ['--c' as string]: PHASE_COLOR['reduce-scatter'] }}>{alg === 'ring' ? 'reduce-scatter' : 'reduce'}</span>
          <span className="swatch" style={{ ['--c' as string]: PHASE_COLOR['all-gather'] }}>{alg === 'ring' ? 'all-gather' : 'broadcast'}</span>
          <span>line width: bytes on that link in the step</span>
        </span>
        <button type="button" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>{paused ? 'Play replay' : 'Pause replay'}</button>
        <button type="button" onClick={() => setThree((t) => !t)} aria-pressed={three}>{three ? '2D view' : '3D view'}</button>
      </div>
      <KillControls N={N} />
    </section>
  );
}
