// Small DOM and formatting helpers shared by the pages.

/** An element: h('a', {href: '/'}, 'text', child...). Attributes: on* become listeners. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Sets text only when it changed: no layout work for what did not move. */
export function setText(el, text) {
  const t = text == null ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

export const PHASES = ['Pending', 'Running', 'Suspended', 'Succeeded', 'Failed'];
export const FINISHED = new Set(['Succeeded', 'Failed']);

export function phaseBadge(phase) {
  return h('span', { class: 'phase phase-' + (phase || 'none') }, phase || 'New');
}

export function updatePhaseBadge(el, phase) {
  const cls = 'phase phase-' + (phase || 'none');
  if (el.className !== cls) el.className = cls;
  setText(el, phase || 'New');
}

/** A progress bar of succeeded (and failed, in its own colour) out of total. */
export function progressBar(label) {
  const ok = h('span', { class: 'ok' });
  const bad = h('span', { class: 'bad' });
  const bar = h(
    'div',
    { class: 'bar', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0' },
    ok,
    bad,
  );
  bar.update = (succeeded, failed, total) => {
    const t = total || 0;
    const s = succeeded || 0;
    const f = failed || 0;
    ok.style.width = t ? (100 * s) / t + '%' : '0';
    bad.style.width = t ? (100 * f) / t + '%' : '0';
    bar.setAttribute('aria-valuemax', String(t));
    bar.setAttribute('aria-valuenow', String(s + f));
    bar.setAttribute('aria-valuetext', `${s + f} of ${t} tasks finished, ${f} failed`);
  };
  return bar;
}

export function number(n) {
  return n == null ? '–' : Number(n).toLocaleString('en');
}

/** Tasks per second, to a sensible precision. */
export function rate(r) {
  if (r == null || !isFinite(r)) return '–';
  if (r >= 100) return Math.round(r).toLocaleString('en') + '/s';
  if (r >= 10) return r.toFixed(1) + '/s';
  return r.toFixed(2) + '/s';
}

/** 4s, 3m 20s, 2h 5m, 3d 4h. */
export function duration(ms) {
  if (ms == null || !isFinite(ms) || ms < 0) return '–';
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr}h ${m % 60}m`;
  return `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

export function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString('en-GB', { hour12: false });
}

export function jobPath(ns, name) {
  return `/jobs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
}
