// The console's router: one page at a time in <main>, links handled without a reload, and the
// token prompt and the 401/403 page when the API says so.
import { ApiError, token } from './api.js';
import { h } from './dom.js';
import * as jobs from './jobs.js';
import * as job from './job.js';
import * as submit from './submit.js';

const main = document.getElementById('main');
const forget = document.getElementById('forget-token');
let unmount = null;

function route(path) {
  if (path === '/' || path === '') return { page: jobs, params: {}, nav: 'jobs' };
  if (path === '/submit' || path === '/submit/') return { page: submit, params: {}, nav: 'submit' };
  const m = path.match(/^\/jobs\/([^/]+)\/([^/]+)\/?$/);
  if (m) {
    const params = { namespace: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]) };
    return { page: job, params, nav: 'jobs' };
  }
  return null;
}

/** What the pages get: navigation and the one way to report an API error. */
const context = {
  navigate,
  failed(error) {
    if (error instanceof ApiError && error.auth) showAuth(error);
    else throw error;
  },
};

function render(focus) {
  if (unmount) unmount();
  unmount = null;
  main.replaceChildren();
  forget.hidden = !token.get();
  const found = route(location.pathname);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (found && a.dataset.nav === found.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) {
    document.title = 'Not found · Fanout';
    main.append(
      h('h1', {}, 'Not found'),
      h('p', {}, 'The console has no page at ', h('code', {}, location.pathname), '. ',
        h('a', { href: '/' }, 'See the Jobs'), '.'),
    );
  } else {
    unmount = found.page.mount(main, found.params, context) || null;
  }
  if (focus) {
    // A new page starts at its top, and the keyboard's next stop is in it.
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
}

export function navigate(url, replace) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render(true);
}

/** The token prompt (401 with no token), or the page that says why the API said no. */
function showAuth(error) {
  if (unmount) unmount();
  unmount = null;
  forget.hidden = !token.get();
  main.replaceChildren();
  if (error.status === 401 && !token.get()) {
    document.title = 'Sign in · Fanout';
    main.append(tokenForm('Sign in with a Kubernetes token', [
      h('p', {}, 'This console checks every request with the Kubernetes API. Paste a bearer ' +
        'token of a user or service account that may list ', h('code', {}, 'jobs.fanout.dev'),
        '. It is kept for this browser tab only.'),
      h('p', {}, 'For example: ', h('code', {}, 'kubectl create token default -n my-namespace')),
    ]));
  } else {
    const is401 = error.status === 401;
    document.title = (is401 ? '401 Unauthorized' : '403 Forbidden') + ' · Fanout';
    main.append(
      h('section', { class: 'auth-error', 'aria-labelledby': 'auth-title' },
        h('h1', { id: 'auth-title' }, is401 ? '401 — the token was not accepted' :
          '403 — not allowed'),
        h('p', {}, is401
          ? 'The Kubernetes API did not accept the token this tab holds: it may have expired, ' +
            'been revoked, or not be a token at all.'
          : 'The token is valid, but its user lacks the permission this page needs.'),
        h('p', { class: 'api-message' }, h('strong', {}, 'The API said: '), error.message),
        is401 ? null : h('p', {}, h('a', { href: '/' }, 'Back to the Jobs'))),
      tokenForm(is401 ? 'Try another token' : 'Use another token', []),
    );
  }
  main.focus();
}

function tokenForm(title, intro) {
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false',
  });
  const form = h('form', {
    class: 'token-form',
    'aria-labelledby': 'token-title',
    onsubmit: (e) => {
      e.preventDefault();
      if (!input.value.trim()) return;
      token.set(input.value);
      render(true);
    },
  },
  h(intro.length ? 'h1' : 'h2', { id: 'token-title' }, title),
  intro,
  h('label', { for: 'token' }, 'Bearer token'),
  input,
  h('button', { type: 'submit' }, 'Use this token'));
  return form;
}

forget.addEventListener('click', () => {
  token.clear();
  render(true);
});

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey ||
      e.altKey || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || !route(url.pathname))
    return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', () => render(true));
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof ApiError && e.reason.auth) {
    e.preventDefault();
    showAuth(e.reason);
  }
});

render(false);
