// Where things sit in the topology drawing (SVG user units, the devices on a circle of radius R around
// the origin): each directed link is a gentle curve bending to its right, so the two directions between
// a pair never overlap, and it stops at the edge of each device's disc. `at(t)` is the point a fraction
// t along it, for the dots that replay transfers. Shared by the SVG and the 3D view.
const R = 1.05;
export const NODE_R = 0.2;
const BEND = 0.14;

export interface Curve { d: string; at: (t: number) => { x: number; y: number } }

/** Device positions on the circle of radius R, device 0 at the top, clockwise. */
export const positions = (N: number) => Array.from({ length: N }, (_, r) => {
  const a = -Math.PI / 2 + (2 * Math.PI * r) / N;
  return { x: R * Math.cos(a), y: R * Math.sin(a) };
});

/** The curve of the link from a to b (positions). */
export function curve(a: { x: number; y: number }, b: { x: number; y: number }): Curve {
  const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
  const ux = dx / len, uy = dy / len;
  // to the right of the direction of travel (SVG's y axis points down)
  const nx = -uy, ny = ux;
  const s = { x: a.x + ux * NODE_R, y: a.y + uy * NODE_R }, e = { x: b.x - ux * NODE_R, y: b.y - uy * NODE_R };
  const c = { x: (s.x + e.x) / 2 + nx * BEND, y: (s.y + e.y) / 2 + ny * BEND };
  const f = (n: number) => n.toFixed(4);
  return {
    d: `M${f(s.x)} ${f(s.y)} Q${f(c.x)} ${f(c.y)} ${f(e.x)} ${f(e.y)}`,
    at: (t) => ({
      x: (1 - t) * (1 - t) * s.x + 2 * (1 - t) * t * c.x + t * t * e.x,
      y: (1 - t) * (1 - t) * s.y + 2 * (1 - t) * t * c.y + t * t * e.y,
    }),
  };
}
