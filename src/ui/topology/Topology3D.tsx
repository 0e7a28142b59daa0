// The topology in 3D (three.js, loaded only when asked for: this module and three live in their own
// chunk): the devices as spheres on a ring, the links as the same curves as the SVG view lifted onto the
// floor plane, and the latest step's transfers replayed as small spheres, phase-coloured, slowly turning.
// Like the SVG view it subscribes to the run store and draws on the same replay clock (replay.ts: 30 fps
// at most, only while on screen and not paused), never per React render. Decorative: the SVG view stays
// in the page for screen readers and tests; where WebGL is unavailable, onFail() puts the SVG back.
import { useEffect, useRef } from 'react';
import * as THREE from 'three';
import type { RunConfig } from '../../engine/config';
import type { StepMetrics } from '../../run/metrics';
import { runStore } from '../../state/runStore';
import { progressAt } from '../../state/topology';
import { watchVisible } from '../frames';
import type { Curve } from './geometry';
import { positions } from './geometry';
import { PHASE_COLOR, replayClock, type Replay } from './replay';

/** `ids[r]`: the device id of rank r in the group that trains (curves are keyed by device ids). */
interface Props { curves: Map<string, Curve>; N: number; ids: number[]; dead: number[]; paused: boolean; onFail: () => void }

const FONT = 'bold 44px system-ui, sans-serif';

/** Text floating at height `y` over (x, z), e.g. the device's rank above its sphere (a sprite always faces
 *  the camera); as wide as the text needs. */
function label(text: string, x: number, z: number, y = 0.3): THREE.Sprite {
  const c = document.createElement('canvas');
  c.getContext('2d')!.font = FONT;
  const width = Math.max(64, Math.ceil(c.getContext('2d')!.measureText(text).width) + 8);
  [c.width, c.height] = [width, 64]; // resizing resets the context's state: set the font again below
  const g = c.getContext('2d')!;
  g.font = FONT;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.fillStyle = '#1d232b';
  g.fillText(text, width / 2, 34);
  const s = new THREE.Sprite(new THREE.SpriteMaterial({ map: new THREE.CanvasTexture(c), transparent: true }));
  s.scale.set((0.22 * width) / 64, 0.22, 1);
  s.position.set(x, y, z);
  return s;
}

export default function Topology3D({ curves, N, ids, dead, paused, onFail }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const clock = useRef<Replay | null>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    const el = box.current!;
    let renderer: THREE.WebGLRenderer;
    try {
      renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true });
    } catch {
      onFail();
      return;
    }
    const scene = new THREE.Scene();
    const camera = new THREE.PerspectiveCamera(40, 1, 0.1, 50);
    camera.position.set(0, 3.2, 3.2);
    camera.lookAt(0, 0, 0);
    const sun = new THREE.DirectionalLight(0xffffff, 2);
    sun.position.set(2, 4, 3);
    scene.add(new THREE.AmbientLight(0xffffff, 1.6), sun);
    const world = new THREE.Group();
    scene.add(world);
    const deviceMat = new THREE.MeshStandardMaterial({ color: 0x2f6fd6 });
    // a dead device as in the SVG view: greyed out, and labelled so
    const deadMat = new THREE.MeshStandardMaterial({ color: 0x9aa3ad, transparent: true, opacity: 0.45 });
    positions(N).forEach((p, r) => {
      const isDead = dead.includes(r) && !ids.includes(r);
      const m = new THREE.Mesh(new THREE.SphereGeometry(0.16, 24, 16), isDead ? deadMat : deviceMat);
      m.position.set(p.x, 0, p.y);
      world.add(m);
      world.add(label(String(r), p.x, p.y));
      if (isDead) world.add(label('dead', p.x, p.y, -0.3));
    });
    const lineMat = new THREE.LineBasicMaterial({ color: 0x8792a0 });
    for (const c of curves.values()) {
      const pts = Array.from({ length: 21 }, (_, i) => c.at(i / 20)).map((p) => new THREE.Vector3(p.x, 0, p.y));
      world.add(new THREE.Line(new THREE.BufferGeometry().setFromPoints(pts), lineMat));
    }
    const dotGeo = new THREE.SphereGeometry(0.05, 12, 8);
    const dotMats = Object.fromEntries(Object.entries(PHASE_COLOR).map(([k, v]) => [k, new THREE.MeshBasicMaterial({ color: v })]));
    const dots: THREE.Mesh[] = [];

    const resize = () => {
      const w = el.clientWidth || 400, h = Math.min(420, w * 0.75);
      renderer.setSize(w, h);
      camera.aspect = w / h;
      camera.updateProjectionMatrix();
      renderer.render(scene, camera);
    };
    renderer.setPixelRatio(window.devicePixelRatio || 1);
    resize();
    el.appendChild(renderer.domElement);
    const ro = new ResizeObserver(resize);
    ro.observe(el);

    // the SVG view's clock: at most FPS frames a second, none while paused, scrolled away or with reduced motion
    const replay = replayClock(({ transfers }, t, _f, now) => {
      world.rotation.y = now / 20000;
      let i = 0;
      for (const x of transfers) {
        const f = progressAt(x, t);
        const c = f === null ? undefined : curves.get(`${ids[x.from]}-${ids[x.to]}`);
        if (!c) continue;
        const p = c.at(f!);
        if (i === dots.length) world.add(dots[dots.push(new THREE.Mesh(dotGeo, dotMats[x.phase])) - 1]);
        dots[i].material = dotMats[x.phase];
        dots[i].position.set(p.x, 0.02, p.y);
        dots[i++].visible = true;
      }
      for (; i < dots.length; i++) dots[i].visible = false;
      renderer.render(scene, camera);
    });
    clock.current = replay;
    replay.setPaused(pausedRef.current);
    const seen = watchVisible(el, (v) => replay.setVisible(v));
    const take = (m: StepMetrics | null, cfg: RunConfig | null) => {
      if (m && cfg && m.timeline.length === ids.length) replay.show(m, cfg);
    };
    take(runStore.getState().latest, runStore.getState().cfg);
    const unsubscribe = runStore.subscribe((s, prev) => s.latest !== prev.latest && take(s.latest, s.cfg));
    return () => {
      replay.stop();
      seen.stop();
      unsubscribe();
      ro.disconnect();
      renderer.dispose();
      renderer.forceContextLoss(); // give the WebGL context back now: browsers keep only a few
      renderer.domElement.remove();
    };
  }, [curves, N, ids, dead, onFail]);

  useEffect(() => clock.current?.setPaused(paused), [paused]);

  return <div className="topo-3d" ref={box} aria-hidden="true" data-testid="topology-3d" />;
}
