// Shared, cached look-ups of the appeals pages: the appeals meta (states, actions, types,
// reject reasons, districts), the chain list and the departments (government orgs) a caller can
// see. Each is loaded once per page load; failures leave empty lists (pages still work).
import { reactive } from 'vue';
import { api } from '../../api/index.js';
import { session } from '../../session.js';
import { ApiError, problemToError } from '../../api/client.js';
import { currentLocale } from '../../i18n/index.js';

export const lookups = reactive({
  meta: { states: [], actions: [], types: [], channels: [], reject_reasons: [], satisfaction: [], districts: [] },
  metaLoaded: false,
  chains: [],
  units: [],
});

let metaPromise = null;
let chainsPromise = null;
let unitsPromise = null;

/** Loads GET /api/v1/appeals/meta once. */
export function loadMeta() {
  if (!metaPromise) {
    metaPromise = api
      .get('/api/v1/appeals/meta')
      .then((b) => {
        Object.assign(lookups.meta, b || {});
        lookups.metaLoaded = true;
      })
      .catch((e) => {
        e.handled = true;
        metaPromise = null;
      });
  }
  return metaPromise;
}

/** Loads the chain list (GET /api/v1/chains) once. */
export function loadChains() {
  if (!chainsPromise) {
    chainsPromise = api
      .get('/api/v1/chains')
      .then((b) => (lookups.chains = (b && b.chains) || []))
      .catch((e) => {
        e.handled = true;
        chainsPromise = null;
      });
  }
  return chainsPromise;
}

/**
 * Loads the departments the caller can see: government orgs (operators see all, others their
 * own), plus lead units named by the dispatch catalogue (officers and leaders).
 */
export function loadUnits() {
  if (!unitsPromise) {
    const seen = new Map();
    const add = (id, name) => {
      if (id && !seen.has(Number(id))) {
        seen.set(Number(id), { id: Number(id), name: name || `#${id}` });
      }
    };
    const orgs = api
      .get('/api/v1/orgs', { query: { kind: 'government', page_size: 200 } })
      .then((b) => ((b && b.items) || []).forEach((o) => add(o.id, o.name)))
      .catch((e) => (e.handled = true));
    const leader = session.roles.some((r) => ['officer', 'operator', 'duty_director', 'chain_chief'].includes(r.role));
    const cat = leader
      ? api
          .get('/api/v1/appeal-catalogue')
          .then((b) => ((b && b.items) || []).forEach((e) => add(e.lead_unit, e.lead_unit_name)))
          .catch((e) => (e.handled = true))
      : Promise.resolve();
    unitsPromise = Promise.all([orgs, cat]).then(() => {
      lookups.units = [...seen.values()].sort((a, b) => a.id - b.id);
    });
  }
  return unitsPromise;
}

/** Returns a unit's name (or "#id"). */
export function unitName(id) {
  const u = lookups.units.find((x) => x.id === Number(id));
  return u ? u.name : id ? `#${id}` : '';
}

/** Returns true when the signed-in user holds one of `roles`. */
export function hasRole(...roles) {
  return session.roles.some((r) => roles.includes(r.role));
}

/**
 * Uploads one file as an attachment of appeal `id` (POST /api/v1/appeals/{id}/attachments?name=,
 * raw body with its content type, the session's CSRF token). Returns the attachment; throws
 * ApiError (413 "appeal.attachment_too_large", 400 field "body" when empty, ...).
 */
export function uploadAttachment(id, file) {
  return postRaw(`/api/v1/appeals/${id}/attachments?name=${encodeURIComponent(file.name)}`, file, file.type);
}

/** POSTs a raw body (a File, Blob or text) with `contentType` and the CSRF token; JSON answer. */
export async function postRaw(url, data, contentType) {
  const headers = {
    Accept: 'application/json, application/problem+json',
    'Content-Type': contentType || 'application/octet-stream',
    'Accept-Language': currentLocale(),
  };
  if (session.csrfToken) {
    headers['X-CSRF-Token'] = session.csrfToken;
  }
  let res;
  try {
    res = await fetch(url, { method: 'POST', headers, body: data, credentials: 'same-origin' });
  } catch {
    throw new ApiError({ status: 0, code: 'network' });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = body ? problemToError(res.status, body) : new ApiError({ status: res.status });
    err.body = body; // e.g. an import's 422 row report
    throw err;
  }
  return body;
}
