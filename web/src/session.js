// The signed-in user as the server reports it (GET/POST/DELETE /api/v1/session), and the
// platform metadata (GET /api/v1/meta). A reactive singleton; every page reads it.
import { reactive } from 'vue';

export const session = reactive({
  loaded: false,
  signedIn: false,
  /** @type {{id: number|string, username: string, display_name: string}|null} */
  user: null,
  /** @type {Array<{org_id: number|string, org_name: string, role: string}>} */
  roles: [],
  csrfToken: '',
});

export const meta = reactive({
  loaded: false,
  version: '',
  demo: false,
  noticeZh: '',
  noticeEn: '',
});

/** Copies a session body from the server into the store. */
export function applySession(body) {
  const signedIn = Boolean(body && body.signed_in);
  session.signedIn = signedIn;
  session.user = signedIn ? body.user || null : null;
  session.roles = signedIn && Array.isArray(body.roles) ? body.roles : [];
  session.csrfToken = signedIn ? body.csrf_token || '' : '';
  session.loaded = true;
}

/** Forgets the signed-in user (after sign-out or a 401). */
export function clearSession() {
  applySession({ signed_in: false });
}

/** Returns the user's display name, or the username when none is set. */
export function displayName() {
  if (!session.user) {
    return '';
  }
  return session.user.display_name || session.user.username || '';
}

/** Copies a meta body into the store. */
export function applyMeta(body) {
  const b = body || {};
  meta.version = b.version || '';
  meta.demo = b.demo === true;
  meta.noticeZh = b.synthetic_notice_zh || '';
  meta.noticeEn = b.synthetic_notice_en || '';
  meta.loaded = true;
}
