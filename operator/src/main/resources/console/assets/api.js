// The task API (docs/console.md): JSON requests and the watch stream, with the tab's token.

const TOKEN_KEY = 'fanout.console.token';

/** The bearer token, kept in sessionStorage: for this tab only, gone when it closes. */
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx: the status and the API's own message. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
  get auth() {
    return this.status === 401 || this.status === 403;
  }
}

function headers(extra) {
  const out = { ...extra };
  const t = token.get();
  if (t) out.Authorization = 'Bearer ' + t;
  return out;
}

async function read(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = (body && (body.error || body.message)) || text || response.statusText;
    throw new ApiError(response.status, message, body);
  }
  return body;
}

export async function get(path, signal) {
  const r = await fetch(path, { headers: headers({ Accept: 'application/json' }), signal });
  return read(r);
}

/** POSTs a manifest as given (JSON or YAML); resolves to the created Job. */
export async function createJob(namespace, text) {
  const json = text.trimStart().startsWith('{');
  const r = await fetch(`/api/v1/namespaces/${encodeURIComponent(namespace)}/jobs`, {
    method: 'POST',
    headers: headers({
      'Content-Type': json ? 'application/json' : 'application/yaml',
      Accept: 'application/json',
    }),
    body: text,
  });
  return read(r);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows GET /api/v1/watch. Not EventSource: that cannot send the Authorization header. The
 * stream is read with fetch and parsed here; on a drop it reconnects with backoff (the server
 * sends every Job again first). Handlers: event(name, data), open(reconnect), lost(), auth(error).
 * Returns a function that stops it.
 */
export function watch(handlers) {
  const abort = new AbortController();
  let stopped = false;
  (async () => {
    let delay = 500;
    let opened = 0;
    while (!stopped) {
      try {
        const r = await fetch('/api/v1/watch', {
          headers: headers({ Accept: 'text/event-stream' }),
          signal: abort.signal,
          cache: 'no-store',
        });
        if (!r.ok) await read(r);
        handlers.open?.(opened++ > 0);
        delay = 500;
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, end), handlers);
            buffer = buffer.slice(end + 2);
          }
        }
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && e.auth) {
          handlers.auth?.(e);
          return;
        }
      }
      if (stopped) return;
      handlers.lost?.();
      await sleep(delay);
      delay = Math.min(delay * 2, 15000);
    }
  })();
  return () => {
    stopped = true;
    abort.abort();
  };
}

function dispatch(block, handlers) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length) handlers.event(event, data.join('\n'));
}
