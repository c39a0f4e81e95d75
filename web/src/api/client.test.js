import { describe, expect, it, vi } from 'vitest';
import { ApiError, createClient, problemToError } from './client.js';

const PROBLEM = {
  type: 'https://kechan.dev/problems/bad_credentials',
  title: 'Wrong username or password',
  status: 401,
  code: 'unauthenticated',
  reason: 'bad_credentials',
  field: 'password',
  message: { 'zh-CN': '用户名或密码错误', en: 'Wrong username or password' },
  detail: '用户名或密码错误',
  request_id: 'req-42',
};

/** A fake fetch that records calls and answers from a queue of [status, body, contentType]. */
function fakeFetch(...answers) {
  const calls = [];
  const fn = vi.fn(async (url, init) => {
    calls.push({ url, init });
    const [status, body, contentType] = answers.length > 1 ? answers.shift() : answers[0];
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    return {
      status,
      ok: status >= 200 && status < 300,
      headers: { get: (n) => (n.toLowerCase() === 'content-type' ? contentType || '' : null) },
      text: async () => text,
    };
  });
  fn.calls = calls;
  return fn;
}

const JSON_CT = 'application/json; charset=utf-8';
const PROBLEM_CT = 'application/problem+json';

function header(call, name) {
  const h = call.init.headers || {};
  const key = Object.keys(h).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : h[key];
}

describe('problem parsing', () => {
  it('turns a problem+json body into an ApiError with every field', async () => {
    const fetch = fakeFetch([401, PROBLEM, PROBLEM_CT]);
    const client = createClient({ fetch });
    const err = await client.post('/api/v1/session', { username: 'a', password: 'b' }, { authRedirect: false }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('unauthenticated');
    expect(err.reason).toBe('bad_credentials');
    expect(err.field).toBe('password');
    expect(err.requestId).toBe('req-42');
    expect(err.isProblem).toBe(true);
    expect(err.localized('zh-CN')).toBe('用户名或密码错误');
    expect(err.localized('en')).toBe('Wrong username or password');
  });

  it('falls back to the other language, then detail, when a message is missing', () => {
    const onlyZh = problemToError(400, { ...PROBLEM, message: { 'zh-CN': '只有中文' } });
    expect(onlyZh.localized('en')).toBe('只有中文');
    const none = problemToError(400, { status: 400, detail: 'plain detail' });
    expect(none.localized('en')).toBe('plain detail');
    expect(none.field).toBeNull();
  });

  it('gives a readable bilingual message for errors without a problem body', async () => {
    const client = createClient({ fetch: fakeFetch([502, '<html>bad gateway</html>', 'text/html']) });
    const err = await client.get('/api/v1/meta').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.isProblem).toBe(false);
    expect(err.localized('zh-CN')).toContain('502');
    expect(err.localized('en')).toMatch(/Server error/);
  });

  it('reports a network failure as status 0', async () => {
    const client = createClient({
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const err = await client.get('/healthz').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
    expect(err.localized('en')).toMatch(/Cannot reach the server/);
  });

  it('returns the parsed JSON body on success and null on 204', async () => {
    const fetch = fakeFetch([200, { status: 'ok' }, JSON_CT], [204, undefined, '']);
    const client = createClient({ fetch });
    expect(await client.get('/healthz')).toEqual({ status: 'ok' });
    expect(await client.del('/api/v1/tokens/3')).toBeNull();
  });
});

describe('CSRF header', () => {
  const token = 'csrf-abc';

  it('is added on POST and DELETE', async () => {
    const fetch = fakeFetch([200, {}, JSON_CT]);
    const client = createClient({ fetch, getCsrfToken: () => token });
    await client.post('/api/v1/tokens', { name: 'x' });
    await client.del('/api/v1/session');
    await client.put('/api/v1/x', {});
    await client.patch('/api/v1/x', {});
    expect(fetch.calls.map((c) => c.init.method)).toEqual(['POST', 'DELETE', 'PUT', 'PATCH']);
    for (const c of fetch.calls) {
      expect(header(c, 'X-CSRF-Token')).toBe(token);
    }
  });

  it('is not added on GET', async () => {
    const fetch = fakeFetch([200, {}, JSON_CT]);
    const client = createClient({ fetch, getCsrfToken: () => token });
    await client.get('/api/v1/session');
    expect(fetch.calls[0].init.method).toBe('GET');
    expect(header(fetch.calls[0], 'X-CSRF-Token')).toBeUndefined();
  });

  it('is left out when there is no session token', async () => {
    const fetch = fakeFetch([200, {}, JSON_CT]);
    const client = createClient({ fetch, getCsrfToken: () => '' });
    await client.post('/api/v1/session', { username: 'u', password: 'p' });
    expect(header(fetch.calls[0], 'X-CSRF-Token')).toBeUndefined();
  });

  it('sends the UI language, JSON bodies and the query string', async () => {
    const fetch = fakeFetch([200, { days: [] }, JSON_CT]);
    const client = createClient({ fetch, getLocale: () => 'en' });
    await client.get('/api/v1/calendar/days', { query: { from: '2026-01-01', to: '2026-01-31', skip: undefined } });
    await client.post('/api/v1/tokens', { name: '同步' });
    expect(fetch.calls[0].url).toBe('/api/v1/calendar/days?from=2026-01-01&to=2026-01-31');
    expect(header(fetch.calls[0], 'Accept-Language')).toBe('en');
    expect(header(fetch.calls[1], 'Content-Type')).toBe('application/json');
    expect(JSON.parse(fetch.calls[1].init.body)).toEqual({ name: '同步' });
  });
});

describe('401 handling', () => {
  it('calls onUnauthorized and still throws', async () => {
    const onUnauthorized = vi.fn();
    const client = createClient({ fetch: fakeFetch([401, PROBLEM, PROBLEM_CT]), onUnauthorized });
    const err = await client.get('/api/v1/tokens').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(onUnauthorized.mock.calls[0][0]).toBe(err);
  });

  it('does not redirect when the call opts out (sign-in itself)', async () => {
    const onUnauthorized = vi.fn();
    const client = createClient({ fetch: fakeFetch([401, PROBLEM, PROBLEM_CT]), onUnauthorized });
    await client.post('/api/v1/session', {}, { authRedirect: false }).catch(() => {});
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('does not redirect on other errors', async () => {
    const onUnauthorized = vi.fn();
    const forbidden = { ...PROBLEM, status: 403, code: 'permission_denied' };
    const client = createClient({ fetch: fakeFetch([403, forbidden, PROBLEM_CT]), onUnauthorized });
    const err = await client.get('/api/v1/tokens').catch((e) => e);
    expect(err.status).toBe(403);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});
