// "Retry failed tasks": the Job `kubectl fanout retry NAME` creates, built in the browser from
// the Job the API returned, by the rule of dev.fanout.api.RetryJob (its one other copy; the
// console's browser test checks the two give the same Job):
//   - only a finished Job (phase Succeeded or Failed) with failed indexes can be retried;
//   - name NAME-retry-<n>, the first n from 1 up that no Job in the namespace has;
//   - the same namespace and labels, the one annotation fanout.dev/retry-of: NAME;
//   - the same spec, with tasks.indexes = the Job's failed indexes (status.failedIndexes, in
//     the original numbering, written as sorted intervals "a-b,c") and suspend false.

export const RETRY_OF = 'fanout.dev/retry-of';
export const MAX_RETRY_NUMBER = 10000;

/** "0-3,7,9-12" -> [[0,3],[7,7],[9,12]], sorted and merged. */
export function parseIndexes(text) {
  const runs = [];
  for (const part of (text || '').split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = p.match(/^(\d+)(?:-(\d+))?$/);
    if (!m) throw new Error(`not an index set: "${text}"`);
    const a = Number(m[1]);
    const b = m[2] == null ? a : Number(m[2]);
    runs.push([Math.min(a, b), Math.max(a, b)]);
  }
  runs.sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const r of runs) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

export function formatIndexes(runs) {
  return runs.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(',');
}

/** Why the Job cannot be retried, or null when it can. */
export function notRetryable(job) {
  const ref = 'job.fanout.dev/' + job.name;
  if (job.phase !== 'Succeeded' && job.phase !== 'Failed') {
    return `${ref} is ${job.phase || 'not started'}: only a finished Job (Succeeded or ` +
      'Failed) can be retried';
  }
  if (!parseIndexes(job.failedIndexes).length) {
    return `${ref} is ${job.phase} with no failed tasks: nothing to retry`;
  }
  return null;
}

export function retryName(name, taken) {
  for (let n = 1; n <= MAX_RETRY_NUMBER; n++) {
    const candidate = `${name}-retry-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new Error(`job.fanout.dev/${name} has been retried ${MAX_RETRY_NUMBER} times already`);
}

/** The retry Job's manifest, from the API's Job (detail: name, namespace, labels, spec, ...). */
export function retryJob(job, name) {
  const why = notRetryable(job);
  if (why) throw new Error(why);
  const spec = structuredClone(job.spec || {});
  spec.tasks = { ...(spec.tasks || {}), indexes: formatIndexes(parseIndexes(job.failedIndexes)) };
  spec.suspend = false;
  const metadata = { name, namespace: job.namespace };
  if (job.labels) metadata.labels = { ...job.labels };
  metadata.annotations = { [RETRY_OF]: job.name };
  return { apiVersion: 'fanout.dev/v1alpha1', kind: 'Job', metadata, spec };
}
