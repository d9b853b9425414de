// The Jobs list, live: the list once, then the watch stream. Events only mark rows dirty; one
// animation frame applies whatever arrived since the last (a 1,000-task/s Job is a few DOM
// writes a frame, not one per event).
import { get, watch } from './api.js';
import {
  FINISHED, PHASES, duration, h, jobPath, number, phaseBadge, progressBar, rate, setText,
  updatePhaseBadge,
} from './dom.js';

const RATE_WINDOW_MS = 10_000;

export function mount(main, _params, ctx) {
  document.title = 'Jobs · Fanout';
  const query = new URLSearchParams(location.search);
  const jobs = new Map(); // key -> item
  const rows = new Map(); // key -> row elements
  const samples = new Map(); // key -> [[ms, done]...] within the rate window
  const dirty = new Set();
  let frame = 0;
  let resort = false;

  const nsSelect = h('select', { id: 'filter-namespace' }, h('option', { value: '' }, 'All'));
  const phaseSelect = h('select', { id: 'filter-phase' },
    h('option', { value: '' }, 'All'), PHASES.map((p) => h('option', { value: p }, p)));
  const namespaces = new Set();
  const wantedNs = query.get('namespace') || '';
  const wantedPhase = query.get('phase') || '';
  addNamespace(wantedNs);
  nsSelect.value = wantedNs;
  phaseSelect.value = PHASES.includes(wantedPhase) ? wantedPhase : '';

  const tbody = h('tbody');
  const summary = h('p', { id: 'jobs-summary', class: 'summary', 'aria-live': 'polite' });
  const empty = h('p', { class: 'empty', hidden: true });
  main.append(
    h('div', { class: 'title-row' },
      h('h1', {}, 'Jobs'),
      h('a', { class: 'button', href: '/submit' }, 'Submit a Job')),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter Jobs',
      onsubmit: (e) => e.preventDefault() },
      h('label', { for: 'filter-namespace' }, 'Namespace'), nsSelect,
      h('label', { for: 'filter-phase' }, 'Phase'), phaseSelect),
    summary,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'jobs', 'aria-describedby': 'jobs-summary' },
        h('thead', {}, h('tr', {},
          ['Job', 'Phase', 'Progress', 'Succeeded', 'Failed', 'Throughput', 'Age']
            .map((c, i) => h('th', { scope: 'col', class: i >= 3 ? 'num' : null }, c)))),
        tbody)),
    empty,
  );

  function onFilter() {
    const q = new URLSearchParams();
    if (nsSelect.value) q.set('namespace', nsSelect.value);
    if (phaseSelect.value) q.set('phase', phaseSelect.value);
    const s = q.toString();
    history.replaceState(null, '', s ? '/?' + s : '/');
    for (const key of rows.keys()) dirty.add(key);
    schedule();
  }
  nsSelect.addEventListener('change', onFilter);
  phaseSelect.addEventListener('change', onFilter);

  function addNamespace(ns) {
    if (!ns || namespaces.has(ns)) return;
    namespaces.add(ns);
    const options = [...nsSelect.options].slice(1);
    const before = options.find((o) => o.value > ns) || null;
    nsSelect.insertBefore(h('option', { value: ns }, ns), before);
  }

  const keyOf = (item) => item.namespace + '/' + item.name;

  function put(item, now) {
    const key = keyOf(item);
    const old = jobs.get(key);
    jobs.set(key, item);
    if (!old) resort = true;
    const done = (item.succeeded || 0) + (item.failed || 0);
    let s = samples.get(key);
    if (!s) samples.set(key, (s = []));
    if (!s.length || s[s.length - 1][1] !== done) s.push([now, done]);
    while (s.length > 2 && now - s[0][0] > RATE_WINDOW_MS) s.shift();
    dirty.add(key);
  }

  function remove(key) {
    jobs.delete(key);
    samples.delete(key);
    dirty.add(key);
  }

  function throughput(key, item, now) {
    const done = (item.succeeded || 0) + (item.failed || 0);
    const start = item.startTime ? Date.parse(item.startTime) : NaN;
    if (FINISHED.has(item.phase) || item.phase !== 'Running') {
      const end = item.completionTime ? Date.parse(item.completionTime) : NaN;
      return FINISHED.has(item.phase) && end > start ? (1000 * done) / (end - start) : null;
    }
    const s = samples.get(key) || [];
    if (s.length >= 2) {
      const [t0, d0] = s[0];
      const [, d1] = s[s.length - 1];
      // Up to now: a Job that stopped moving shows its rate falling, not frozen.
      if (now - t0 >= 1000) return (1000 * (d1 - d0)) / (now - t0);
    }
    return start < now ? (1000 * done) / (now - start) : null;
  }

  function newRow(key, item) {
    const link = h('a', { href: jobPath(item.namespace, item.name) }, item.name);
    const bar = progressBar('Progress of ' + item.name);
    const r = {
      tr: h('tr'),
      phase: phaseBadge(item.phase),
      bar,
      progress: h('span', { class: 'progress-text' }),
      succeeded: h('td', { class: 'num' }),
      failed: h('td', { class: 'num' }),
      rate: h('td', { class: 'num' }),
      age: h('td', { class: 'num' }),
    };
    r.tr.dataset.key = key;
    r.tr.append(
      h('th', { scope: 'row' }, h('span', { class: 'ns' }, item.namespace), link,
        h('span', { class: 'handler' }, item.handler || '')),
      h('td', {}, r.phase),
      h('td', { class: 'progress' }, bar, r.progress),
      r.succeeded, r.failed, r.rate, r.age);
    rows.set(key, r);
    return r;
  }

  function visible(item) {
    return (!nsSelect.value || item.namespace === nsSelect.value) &&
      (!phaseSelect.value || item.phase === phaseSelect.value);
  }

  function updateRow(r, key, item, now) {
    r.tr.hidden = !visible(item);
    if (r.tr.hidden) return;
    updatePhaseBadge(r.phase, item.phase);
    r.bar.update(item.succeeded, item.failed, item.total);
    setText(r.progress, item.progress || '');
    setText(r.succeeded, number(item.succeeded));
    setText(r.failed, number(item.failed));
    r.failed.classList.toggle('has-failed', (item.failed || 0) > 0);
    ticking(r, key, item, now);
  }

  function ticking(r, key, item, now) {
    setText(r.rate, rate(throughput(key, item, now)));
    const start = item.startTime ? Date.parse(item.startTime) : NaN;
    setText(r.age, duration(now - start));
  }

  function flush() {
    frame = 0;
    const now = Date.now();
    for (const key of dirty) {
      const item = jobs.get(key);
      let r = rows.get(key);
      if (!item) {
        if (r) r.tr.remove();
        rows.delete(key);
        continue;
      }
      addNamespace(item.namespace);
      if (!r) r = newRow(key, item);
      updateRow(r, key, item, now);
    }
    dirty.clear();
    if (resort) {
      resort = false;
      // Newest first; not yet started (no startTime) on top.
      const order = [...jobs.entries()].sort(([ka, a], [kb, b]) =>
        (b.startTime || '~').localeCompare(a.startTime || '~') || ka.localeCompare(kb));
      tbody.replaceChildren(...order.map(([k]) => rows.get(k).tr));
    }
    let shown = 0;
    let running = 0;
    for (const item of jobs.values()) {
      if (visible(item)) {
        shown++;
        if (item.phase === 'Running') running++;
      }
    }
    setText(summary, `${shown} Job${shown === 1 ? '' : 's'} shown of ${jobs.size}, ` +
      `${running} running`);
    empty.hidden = shown > 0;
    setText(empty, jobs.size ? 'No Job matches the filters.' : 'No Jobs yet. ' +
      'Submit one, or kubectl apply -f examples/hello.yaml.');
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(flush);
  }

  async function reload() {
    const body = await get('/api/v1/jobs');
    const now = Date.now();
    const seen = new Set();
    for (const item of body.items) {
      seen.add(keyOf(item));
      put(item, now);
    }
    for (const key of [...jobs.keys()]) if (!seen.has(key)) remove(key);
    resort = true;
    schedule();
  }

  const live = document.getElementById('live');
  let stop = () => {};
  reload()
    .then(() => {
      stop = watch({
        event(name, data) {
          if (name === 'job') put(JSON.parse(data), Date.now());
          else if (name === 'deleted') remove(keyOf(JSON.parse(data)));
          else if (name === 'resync') reload().catch(ctx.failed);
          else return;
          schedule();
        },
        open(again) {
          setText(live, 'Live');
          if (again) reload().catch(ctx.failed);
        },
        lost: () => setText(live, 'Reconnecting…'),
        auth: ctx.failed,
      });
    })
    .catch(ctx.failed);

  // Age and throughput move with the clock.
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [key, r] of rows) {
      const item = jobs.get(key);
      if (item && !r.tr.hidden) ticking(r, key, item, now);
    }
  }, 1000);

  return () => {
    stop();
    clearInterval(timer);
    if (frame) cancelAnimationFrame(frame);
    setText(live, '');
  };
}
