// The throughput chart: tasks finished per second over the Job's life, as an SVG drawn from the
// API's [[epochMillis, tasksFinishedSoFar], ...] curve. No library: one path and two axes.

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 200;
const PAD = { left: 48, right: 12, top: 24, bottom: 28 };

/**
 * Tasks per second in equal buckets of the Job's life ([[bucketEnd, perSecond], ...]): the
 * cumulative curve read at even times (linearly between its points), at most 60 buckets of at
 * least half a second, so a burst of close points does not draw a spike.
 */
export function rates(points) {
  if (!points || points.length < 2) return [];
  const t0 = points[0][0];
  const span = points[points.length - 1][0] - t0;
  if (span <= 0) return [];
  const n = Math.max(1, Math.min(60, Math.floor(span / 500)));
  const width = span / n;
  let j = 0;
  const doneAt = (t) => {
    while (j < points.length - 2 && points[j + 1][0] < t) j++;
    const [ta, da] = points[j];
    const [tb, db] = points[j + 1];
    return tb > ta ? da + (db - da) * Math.min(1, Math.max(0, (t - ta) / (tb - ta))) : db;
  };
  const out = [];
  let before = doneAt(t0);
  for (let i = 1; i <= n; i++) {
    const t = t0 + i * width;
    const now = doneAt(t);
    out.push([t, (1000 * (now - before)) / width]);
    before = now;
  }
  return out;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

function clock(ms, span) {
  const d = new Date(ms);
  const opts = span > 86_400_000 ? { month: 'short', day: 'numeric', hour: '2-digit' }
    : { hour: '2-digit', minute: '2-digit', second: span < 600_000 ? '2-digit' : undefined };
  return d.toLocaleTimeString('en-GB', { ...opts, hour12: false });
}

/** Draws into svg (an <svg> element, replaced content); returns a one-line text summary. */
export function drawChart(svg, points) {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const r = rates(points || []);
  if (r.length < 1) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'axis' },
      'No task has finished yet'));
    return 'No task has finished yet.';
  }
  const t0 = points[0][0];
  const t1 = points[points.length - 1][0];
  const span = Math.max(1, t1 - t0);
  const peak = Math.max(...r.map(([, v]) => v));
  const top = niceMax(peak);
  const x = (t) => PAD.left + ((W - PAD.left - PAD.right) * (t - t0)) / span;
  const y = (v) => H - PAD.bottom - ((H - PAD.top - PAD.bottom) * v) / top;
  for (const f of [0, 0.5, 1]) {
    const v = top * f;
    svg.append(
      el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }),
      el('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' },
        v >= 100 ? Math.round(v) : +v.toFixed(1)),
    );
  }
  svg.append(
    el('text', { x: PAD.left, y: H - 8, class: 'axis' }, clock(t0, span)),
    el('text', { x: W - PAD.right, y: H - 8, 'text-anchor': 'end', class: 'axis' },
      clock(t1, span)),
    el('text', { x: PAD.left, y: 12, class: 'axis' }, 'tasks/s'),
  );
  // A step per interval: each rate holds from the previous point to its own.
  let d = `M${x(t0)},${y(0)}`;
  let prev = t0;
  for (const [t, v] of r) {
    d += `L${x(prev)},${y(v)}L${x(t)},${y(v)}`;
    prev = t;
  }
  d += `L${x(t1)},${y(0)}Z`;
  svg.append(el('path', { d, class: 'area' }));
  const total = points[points.length - 1][1] - points[0][1];
  const avg = (1000 * total) / span;
  return `Peak ${peak.toFixed(1)} tasks/s, average ${avg.toFixed(1)} tasks/s over ` +
    `${Math.round(span / 1000)} s.`;
}
