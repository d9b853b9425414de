// One Job: phase, progress, counts, the throughput chart, conditions, failures, the task table
// (paged by index, filtered by state) and "Retry failed tasks". Watch events for this Job update
// the header in the next animation frame; the detail (chart, failures) is read again at most
// every two seconds while it moves.
import { ApiError, createJob, get, watch } from './api.js';
import { drawChart } from './chart.js';
import {
  FINISHED, duration, h, jobPath, number, phaseBadge, progressBar, rate, setText, time,
  updatePhaseBadge,
} from './dom.js';
import { formatIndexes, notRetryable, parseIndexes, retryJob, retryName } from './retry.js';

const STATES = ['Pending', 'Sent', 'Succeeded', 'Failed', 'NotRun'];
const PAGE = 50;
const DETAIL_EVERY_MS = 2000;

export function mount(main, { namespace, name }, ctx) {
  document.title = `${name} · Fanout`;
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/jobs/` +
    encodeURIComponent(name);
  let job = null;
  let tasks = null; // the task table's controls, set by tasksSection()
  let stopped = false;
  let stop = () => {};

  const phase = phaseBadge(null);
  const bar = progressBar('Progress of ' + name);
  const counts = {};
  const countList = h('dl', { class: 'counts' },
    ['Total', 'Succeeded', 'Failed', 'Remaining', 'Throughput', 'Duration'].map((label) => {
      counts[label] = h('dd', {}, '–');
      return h('div', {}, h('dt', {}, label), counts[label]);
    }));
  const facts = h('p', { class: 'facts' });
  const notice = h('p', { class: 'notice', hidden: true });
  const retryButton = h('button', { type: 'button', id: 'retry', onclick: retry },
    'Retry failed tasks');
  const retryStatus = h('p', { id: 'retry-status', role: 'status', class: 'retry-status' });
  const chart = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  chart.setAttribute('class', 'chart');
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-labelledby', 'chart-title chart-summary');
  const chartSummary = h('p', { id: 'chart-summary', class: 'chart-summary' });
  const conditions = h('div');
  const failures = h('div', { id: 'failures-body' });

  main.append(
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' },
      h('a', { href: '/?namespace=' + encodeURIComponent(namespace) }, 'Jobs'), ' / ',
      namespace),
    h('div', { class: 'title-row' }, h('h1', {}, name), phase),
    facts,
    notice,
    h('section', { 'aria-label': 'Progress' }, bar, countList),
    h('div', { class: 'actions' }, retryButton, retryStatus),
    h('section', { 'aria-labelledby': 'chart-title' },
      h('h2', { id: 'chart-title' }, 'Throughput'), chart, chartSummary),
    h('section', { 'aria-labelledby': 'failures-title' },
      h('h2', { id: 'failures-title' }, 'Failures'), failures),
    h('section', { 'aria-labelledby': 'conditions-title' },
      h('h2', { id: 'conditions-title' }, 'Conditions'), conditions),
    tasksSection(),
  );

  function header(item) {
    updatePhaseBadge(phase, item.phase);
    bar.update(item.succeeded, item.failed, item.total);
    const done = (item.succeeded || 0) + (item.failed || 0);
    setText(counts.Total, number(item.total));
    setText(counts.Succeeded, number(item.succeeded));
    setText(counts.Failed, number(item.failed));
    setText(counts.Remaining, item.total == null ? '–' : number(item.total - done));
    const start = item.startTime ? Date.parse(item.startTime) : NaN;
    const end = item.completionTime ? Date.parse(item.completionTime) : Date.now();
    setText(counts.Duration, duration(end - start));
    setText(counts.Throughput, end > start ? rate((1000 * done) / (end - start)) : '–');
    counts.Failed.classList.toggle('has-failed', (item.failed || 0) > 0);
  }

  function render(detail) {
    job = detail;
    header(detail);
    const spec = detail.spec || {};
    setText(facts, [
      `namespace ${detail.namespace}`,
      detail.handler && `handler ${detail.handler}`,
      detail.pool && `pool ${detail.pool}`,
      spec.parallelism && `parallelism ${spec.parallelism}`,
      spec.tasks && spec.tasks.indexes && `indexes ${spec.tasks.indexes}`,
      `started ${time(detail.startTime)}`,
      detail.completionTime && `finished ${time(detail.completionTime)}`,
    ].filter(Boolean).join(' · '));
    notice.hidden = !detail.deletedAt;
    setText(notice, detail.deletedAt
      ? `This Job was deleted at ${time(detail.deletedAt)}; this is what the operator kept of it.`
      : '');
    setText(chartSummary, drawChart(chart, detail.throughput));
    conditions.replaceChildren(table(['Type', 'Status', 'Reason', 'Message', 'Since'],
      (detail.conditions || []).map((c) =>
        [c.type, c.status, c.reason, c.message, time(c.lastTransitionTime)]),
      'No conditions yet.', 'Conditions'));
    const f = detail.failures || [];
    failures.replaceChildren(...[
      f.length ? h('p', { class: 'hint' }, `The ${f.length} most recent failed tasks` +
        (detail.failedIndexes ? `; every failed index: ${detail.failedIndexes}.` : '.')) : null,
      table(['Index', 'Attempts', 'Reason', 'Message'],
        f.map((x) => [x.index, x.attempts, x.reason, h('pre', {}, x.message || '')]),
        'No task has failed.', 'Failures', 'failures'),
    ].filter(Boolean));
    const why = detail.deletedAt ? 'the Job was deleted' : retryBlocked(detail);
    retryButton.disabled = !!why;
    retryButton.title = why || '';
    if (why && !retryStatus.dataset.result) setText(retryStatus, '');
  }

  function retryBlocked(detail) {
    if (!FINISHED.has(detail.phase)) return 'the Job has not finished';
    if (!(detail.failed > 0)) return 'no task failed';
    return null;
  }

  let detailTimer = 0;
  let lastDetail = 0;
  async function loadDetail() {
    detailTimer = 0;
    lastDetail = Date.now();
    try {
      const detail = await get(base);
      if (!stopped) render(detail);
      return detail;
    } catch (e) {
      if (stopped) return null;
      if (e instanceof ApiError && e.status === 404) {
        main.replaceChildren(h('h1', {}, 'No such Job'),
          h('p', {}, `There is no Job ${namespace}/${name}, nor any record of one. `,
            h('a', { href: '/' }, 'See the Jobs'), '.'));
        stopped = true;
        stop();
        return null;
      }
      ctx.failed(e);
      return null;
    }
  }

  function detailSoon() {
    if (detailTimer || stopped) return;
    const wait = Math.max(0, lastDetail + DETAIL_EVERY_MS - Date.now());
    detailTimer = setTimeout(loadDetail, wait);
  }

  // Coalesced: the newest event for this Job wins, applied once a frame.
  let pending = null;
  let frame = 0;
  function applyEvent() {
    frame = 0;
    const item = pending;
    pending = null;
    if (!item || !job) return;
    const finishedNow = FINISHED.has(item.phase) && !FINISHED.has(job.phase);
    job = { ...job, ...item };
    header(job);
    if (job.phase !== phase.textContent) updatePhaseBadge(phase, job.phase);
    detailSoon();
    if (finishedNow) tasks.reload();
  }

  async function retry() {
    retryButton.disabled = true;
    retryStatus.dataset.result = 'busy';
    setText(retryStatus, 'Creating the retry Job…');
    try {
      const detail = await get(base);
      const source = detail.failedIndexes == null
        ? { ...detail, failedIndexes: await failedFromRows() }
        : detail;
      const why = notRetryable(source);
      if (why) throw new Error(why);
      const listed = await get('/api/v1/jobs?namespace=' + encodeURIComponent(namespace));
      const taken = new Set(listed.items.map((j) => j.name));
      for (let tries = 0; ; tries++) {
        const manifest = retryJob(source, retryName(name, taken));
        try {
          const created = await createJob(namespace, JSON.stringify(manifest));
          const made = created.metadata.name;
          retryStatus.dataset.result = 'created';
          retryStatus.replaceChildren('Created ',
            h('a', { href: jobPath(namespace, made), id: 'retry-link' }, made),
            ` for indexes ${manifest.spec.tasks.indexes}.`);
          return;
        } catch (e) {
          // Taken since the list was read: the next number, as RetryJob's caller does.
          if (e instanceof ApiError && e.status === 409 && tries < 5) {
            taken.add(manifest.metadata.name);
            continue;
          }
          throw e;
        }
      }
    } catch (e) {
      if (e instanceof ApiError && e.auth) return ctx.failed(e);
      retryStatus.dataset.result = 'error';
      setText(retryStatus, 'Retry failed: ' +
        (e instanceof ApiError ? `${e.status} ${e.message}` : e.message));
      retryButton.disabled = false;
    }
  }

  /** For a server whose detail lacks failedIndexes: the Failed task rows, by index. */
  async function failedFromRows() {
    const runs = [];
    let after = -1;
    for (;;) {
      const page = await get(`${base}/tasks?state=Failed&limit=1000&after=${after}`);
      for (const t of page.items) runs.push([t.index, t.index]);
      if (page.next == null) break;
      after = page.next;
    }
    return formatIndexes(parseIndexes(runs.map(([a]) => a).join(',')));
  }

  // ---- the task table ------------------------------------------------------------------
  function tasksSection() {
    const stateSelect = h('select', { id: 'task-state' }, h('option', { value: '' }, 'All'),
      STATES.map((s) => h('option', { value: s }, s === 'NotRun' ? 'Not run' : s)));
    const body = h('div', { class: 'table-wrap' });
    const prev = h('button', { type: 'button', id: 'tasks-prev', class: 'quiet' }, 'Previous');
    const next = h('button', { type: 'button', id: 'tasks-next', class: 'quiet' }, 'Next');
    const refresh = h('button', { type: 'button', class: 'quiet' }, 'Refresh');
    const where = h('span', { class: 'page-info', 'aria-live': 'polite' });
    let cursors = [-1];
    let nextCursor = null;

    async function load() {
      const after = cursors[cursors.length - 1];
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (after >= 0) q.set('after', String(after));
      if (stateSelect.value) q.set('state', stateSelect.value);
      try {
        const page = await get(`${base}/tasks?${q}`);
        if (stopped) return;
        nextCursor = page.next;
        body.replaceChildren(table(
          ['Index', 'State', 'Attempts', 'Started', 'Duration', 'Error'],
          page.items.map((t) => [t.index, t.state, t.attempts, time(t.startedAt),
            taskDuration(t.durationMillis), t.error ? h('pre', {}, t.error) : '']),
          stateSelect.value ? `No task is ${stateSelect.value}.` : 'No task rows yet.',
          'Tasks', 'tasks'));
        const first = page.items[0];
        const last = page.items[page.items.length - 1];
        setText(where, first ? `indexes ${first.index}–${last.index}` : '');
        prev.disabled = cursors.length <= 1;
        next.disabled = nextCursor == null;
      } catch (e) {
        if (!stopped) ctx.failed(e);
      }
    }
    stateSelect.addEventListener('change', () => {
      cursors = [-1];
      load();
    });
    prev.addEventListener('click', () => {
      if (cursors.length > 1) cursors.pop();
      load();
    });
    next.addEventListener('click', () => {
      if (nextCursor != null) cursors.push(nextCursor);
      load();
    });
    refresh.addEventListener('click', load);
    tasks = { reload: load };
    return h('section', { 'aria-labelledby': 'tasks-title' },
      h('h2', { id: 'tasks-title' }, 'Tasks'),
      h('div', { class: 'filters' }, h('label', { for: 'task-state' }, 'State'), stateSelect,
        refresh),
      body,
      h('div', { class: 'pager' }, prev, where, next));
  }

  loadDetail().then((detail) => {
    if (!detail || stopped) return;
    tasks.reload();
    stop = watch({
      event(kind, data) {
        if (kind !== 'job') return;
        const item = JSON.parse(data);
        if (item.namespace !== namespace || item.name !== name) return;
        pending = item;
        if (!frame) frame = requestAnimationFrame(applyEvent);
      },
      open: (again) => again && detailSoon(),
      auth: ctx.failed,
    });
  });

  return () => {
    stopped = true;
    stop();
    clearTimeout(detailTimer);
    if (frame) cancelAnimationFrame(frame);
  };
}

/** A table, or the empty text; cells are text or nodes. */
function table(columns, rows, emptyText, caption, id) {
  if (!rows.length) return h('p', { class: 'empty' }, emptyText);
  return h('div', { class: 'table-wrap' }, h('table', { id },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c ?? '–')))))));
}

function taskDuration(ms) {
  if (ms == null) return '–';
  return ms < 1000 ? `${ms} ms` : duration(ms);
}
