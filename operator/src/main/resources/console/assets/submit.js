// Submit: a manifest pasted or read from a file, POSTed as it is (JSON or YAML) to the namespace
// it names (or the one chosen). The API server's refusal is shown as it says it.
import { ApiError, createJob } from './api.js';
import { h, jobPath } from './dom.js';

const EXAMPLE = `apiVersion: fanout.dev/v1alpha1
kind: Job
metadata:
  name: hello
  namespace: default
spec:
  handler: sleep
  tasks:
    count: 100
  parameters:
    ms: 50`;

/** The namespace a manifest names in its metadata, or null. */
export function namespaceOf(text) {
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t)?.metadata?.namespace || null;
    } catch {
      return null;
    }
  }
  // YAML: the first `namespace:` indented under `metadata:`.
  const m = t.match(/^metadata:[^\n]*\n((?:[ \t]+[^\n]*\n?|\s*\n)*)/m);
  const ns = m && m[1].match(/^[ \t]+namespace:[ \t]*["']?([a-z0-9.-]+)["']?[ \t]*$/m);
  return ns ? ns[1] : null;
}

export function mount(main, _params, ctx) {
  document.title = 'Submit a Job · Fanout';
  const nsInput = h('input', {
    id: 'namespace', name: 'namespace', value: 'default', required: true, autocomplete: 'off',
    spellcheck: 'false', pattern: '[a-z0-9]([-a-z0-9]*[a-z0-9])?',
    'aria-describedby': 'namespace-hint',
  });
  const manifest = h('textarea', {
    id: 'manifest', name: 'manifest', rows: '12', required: true, spellcheck: 'false',
    autocapitalize: 'off', 'aria-describedby': 'manifest-hint', placeholder: EXAMPLE,
  });
  const file = h('input', { id: 'manifest-file', type: 'file', accept: '.yaml,.yml,.json' });
  const button = h('button', { type: 'submit', id: 'submit' }, 'Create the Job');
  const result = h('div', { id: 'result', 'aria-live': 'polite' });
  let nsTouched = false;

  function follow() {
    const ns = namespaceOf(manifest.value);
    if (ns && !nsTouched) nsInput.value = ns;
  }
  nsInput.addEventListener('input', () => (nsTouched = true));
  manifest.addEventListener('input', follow);
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    manifest.value = await f.text();
    follow();
  });

  async function onSubmit(e) {
    e.preventDefault();
    if (!manifest.value.trim()) {
      manifest.focus();
      return;
    }
    button.disabled = true;
    result.replaceChildren(h('p', {}, 'Sending…'));
    try {
      const job = await createJob(nsInput.value.trim(), manifest.value);
      const { namespace, name } = job.metadata;
      result.replaceChildren(h('div', { class: 'created', role: 'status' },
        h('p', {}, 'Created ', h('a', { href: jobPath(namespace, name), id: 'created-link' },
          `${namespace}/${name}`), '.')));
      result.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 401) return ctx.failed(err);
      result.replaceChildren(h('div', { class: 'refusal', role: 'alert', id: 'refusal' },
        h('h2', {}, `Not created: ${err.status} ${reason(err.status)}`),
        h('pre', { id: 'refusal-message' }, err.message)));
      result.scrollIntoView({ block: 'nearest' });
    } finally {
      button.disabled = false;
    }
  }

  main.append(
    h('h1', {}, 'Submit a Job'),
    h('form', { class: 'submit-form', onsubmit: onSubmit, 'aria-label': 'Submit a Job' },
      h('label', { for: 'manifest' }, 'Manifest (YAML or JSON)'),
      h('p', { id: 'manifest-hint', class: 'hint' }, 'One fanout.dev/v1alpha1 Job, as for ',
        h('code', {}, 'kubectl create -f'), '. It is created with your token, so your ' +
        'permissions and the API server\'s checks apply.'),
      manifest,
      h('label', { for: 'manifest-file' }, 'Or read it from a file'),
      file,
      h('label', { for: 'namespace' }, 'Namespace'),
      h('p', { id: 'namespace-hint', class: 'hint' },
        'Taken from the manifest\'s metadata.namespace when it has one.'),
      nsInput,
      h('div', {}, button)),
    result,
  );
}

function reason(status) {
  return {
    400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
    413: 'Too Large', 422: 'Unprocessable Entity', 500: 'Internal Server Error',
  }[status] || '';
}
