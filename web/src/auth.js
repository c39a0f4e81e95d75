// Session use-cases: load the current session, sign in, sign out.
import { api } from './api/index.js';
import { applyMeta, applySession, clearSession, meta, session } from './session.js';

let loading = null;

/** Loads the session once (anonymous on any error, e.g. a stale cookie answered with 401). */
export function loadSession({ force = false } = {}) {
  if (session.loaded && !force) {
    return Promise.resolve(session);
  }
  if (!loading || force) {
    loading = api
      .get('/api/v1/session', { authRedirect: false })
      .then((body) => applySession(body))
      .catch(() => clearSession())
      .then(() => {
        loading = null;
        return session;
      });
  }
  return loading;
}

/** Signs in; throws ApiError (with `field` when a field is at fault) on failure. */
export async function signIn(username, password) {
  const body = await api.post('/api/v1/session', { username, password }, { authRedirect: false });
  applySession(body);
  if (!session.signedIn) {
    // A 2xx without a session would be a server bug; treat it as not signed in.
    throw new Error('sign-in answered without a session');
  }
  return session;
}

/** Signs out; the local session is cleared even when the server call fails. */
export async function signOut() {
  try {
    await api.del('/api/v1/session', { authRedirect: false });
  } finally {
    clearSession();
  }
}

/** Loads platform metadata once; absent or failing /api/v1/meta leaves the defaults. */
export async function loadMeta() {
  if (meta.loaded) {
    return meta;
  }
  try {
    applyMeta(await api.get('/api/v1/meta', { authRedirect: false }));
  } catch {
    meta.loaded = true;
  }
  return meta;
}
