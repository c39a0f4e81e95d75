// The API client: a small fetch wrapper for the kechan HTTP API (same origin). It sends the
// session's CSRF token on unsafe methods, the UI language as Accept-Language, parses
// application/problem+json errors into ApiError, and reports 401 so the app can go to sign-in.

/** Methods that change state; they must carry X-CSRF-Token when a session cookie is used. */
export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const LOCALES = ['zh-CN', 'en'];

/**
 * An error from the API, shaped after the server's problem+json body:
 * {"type","title","status","code","reason","field","message":{"zh-CN","en"},"detail","request_id"}.
 * Network failures have status 0 and code "network".
 */
export class ApiError extends Error {
  /**
   * @param {object} p
   * @param {number} p.status HTTP status (0 when the server could not be reached)
   * @param {string} [p.type]
   * @param {string} [p.title]
   * @param {string} [p.code] machine code, e.g. "invalid_argument"
   * @param {string} [p.reason] machine reason, e.g. "bad_credentials"
   * @param {string|null} [p.field] the offending field, if any
   * @param {{'zh-CN'?: string, en?: string}} [p.messages] messages per language
   * @param {string} [p.detail] message in the request's language
   * @param {string} [p.requestId]
   * @param {boolean} [p.isProblem] true when the body was application/problem+json
   */
  constructor(p) {
    const messages = p.messages || {};
    super(messages.en || p.detail || p.title || `HTTP ${p.status}`);
    this.name = 'ApiError';
    this.status = p.status;
    this.type = p.type || '';
    this.title = p.title || '';
    this.code = p.code || '';
    this.reason = p.reason || '';
    this.field = p.field || null;
    this.messages = messages;
    this.detail = p.detail || '';
    this.requestId = p.requestId || '';
    this.isProblem = Boolean(p.isProblem);
    /** Set by a page that has shown the error itself, so the global handler stays quiet. */
    this.handled = false;
  }

  /** Returns the message in `locale`, falling back to the other language, detail and title. */
  localized(locale) {
    const other = locale === 'en' ? 'zh-CN' : 'en';
    return (
      this.messages[locale] ||
      this.messages[other] ||
      this.detail ||
      this.title ||
      fallbackMessage(this.status, locale)
    );
  }
}

/** Returns a readable message for errors that came without a problem body. */
export function fallbackMessage(status, locale) {
  const zh = locale !== 'en';
  if (status === 0) {
    return zh ? '无法连接服务器，请检查网络后重试。' : 'Cannot reach the server. Check the network and try again.';
  }
  if (status === 401) {
    return zh ? '请先登录。' : 'Please sign in.';
  }
  if (status === 403) {
    return zh ? '您没有执行此操作的权限。' : 'You do not have permission to do this.';
  }
  if (status === 404) {
    return zh ? '请求的资源不存在。' : 'The requested resource was not found.';
  }
  if (status >= 500) {
    return zh ? `服务器出错（HTTP ${status}），请稍后重试。` : `Server error (HTTP ${status}). Please try again later.`;
  }
  return zh ? `请求失败（HTTP ${status}）。` : `Request failed (HTTP ${status}).`;
}

/**
 * Builds an ApiError from a parsed problem+json body.
 * @param {number} status
 * @param {any} body
 */
export function problemToError(status, body) {
  const b = body && typeof body === 'object' ? body : {};
  const msg = b.message && typeof b.message === 'object' ? b.message : {};
  const messages = {};
  for (const locale of LOCALES) {
    if (typeof msg[locale] === 'string' && msg[locale]) {
      messages[locale] = msg[locale];
    }
  }
  return new ApiError({
    status: typeof b.status === 'number' ? b.status : status,
    type: b.type,
    title: b.title,
    code: b.code,
    reason: b.reason,
    field: b.field,
    messages,
    detail: b.detail,
    requestId: b.request_id,
    isProblem: true,
  });
}

function isJson(contentType) {
  return /(^|\/|\+)json\b/i.test(contentType || '');
}

/**
 * Creates a client.
 * @param {object} deps
 * @param {typeof fetch} [deps.fetch] the fetch to use (tests pass a fake)
 * @param {() => string} [deps.getCsrfToken] returns the current session's CSRF token or ''
 * @param {() => string} [deps.getLocale] returns the UI language ("zh-CN" or "en")
 * @param {(err: ApiError) => void} [deps.onUnauthorized] called on a 401 (unless disabled per call)
 * @param {string} [deps.baseUrl] prefix for paths; '' for same origin
 */
export function createClient(deps = {}) {
  const doFetch = deps.fetch || ((...args) => globalThis.fetch(...args));
  const getCsrfToken = deps.getCsrfToken || (() => '');
  const getLocale = deps.getLocale || (() => 'zh-CN');
  const onUnauthorized = deps.onUnauthorized || (() => {});
  const baseUrl = deps.baseUrl || '';

  /**
   * Sends one request and returns the parsed JSON body (null for 204/empty bodies).
   * Throws ApiError for any non-2xx answer or network failure.
   * @param {string} method
   * @param {string} path e.g. "/api/v1/session"
   * @param {object} [opts]
   * @param {any} [opts.body] sent as JSON
   * @param {Record<string, string|number|undefined>} [opts.query]
   * @param {boolean} [opts.authRedirect] false to not call onUnauthorized on 401
   */
  async function request(method, path, opts = {}) {
    const m = method.toUpperCase();
    let url = baseUrl + path;
    if (opts.query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) {
        if (v !== undefined && v !== null) {
          params.set(k, String(v));
        }
      }
      const qs = params.toString();
      if (qs) {
        url += (url.includes('?') ? '&' : '?') + qs;
      }
    }
    const headers = { Accept: 'application/json, application/problem+json', 'Accept-Language': getLocale() };
    const init = { method: m, headers, credentials: 'same-origin' };
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
    if (UNSAFE_METHODS.has(m)) {
      const token = getCsrfToken();
      if (token) {
        headers['X-CSRF-Token'] = token;
      }
    }

    let res;
    try {
      res = await doFetch(url, init);
    } catch (e) {
      const err = new ApiError({ status: 0, code: 'network' });
      err.cause = e; // the browser's own text ("Failed to fetch") is not for users
      throw err;
    }

    const contentType = res.headers.get('content-type') || '';
    let body = null;
    if (res.status !== 204 && isJson(contentType)) {
      const text = await res.text();
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = null;
        }
      }
    }

    if (res.ok) {
      return body;
    }
    const err =
      body && typeof body === 'object' && (/problem\+json/i.test(contentType) || body.message || body.code)
        ? problemToError(res.status, body)
        : new ApiError({ status: res.status });
    if (res.status === 401 && opts.authRedirect !== false) {
      onUnauthorized(err);
    }
    throw err;
  }

  return {
    request,
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
    put: (path, body, opts = {}) => request('PUT', path, { ...opts, body }),
    patch: (path, body, opts = {}) => request('PATCH', path, { ...opts, body }),
    del: (path, opts) => request('DELETE', path, opts),
  };
}
