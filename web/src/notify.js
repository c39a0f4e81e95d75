// Notifications in the web app: the inbox API (GET /api/v1/inbox, POST /api/v1/inbox/{id}/read,
// POST /api/v1/inbox/read-all, GET /api/v1/inbox/unread-count), the shared unread counter the
// header bell shows, and small pure helpers the pages and their tests use.
import { reactive } from 'vue';
import { api } from './api/index.js';

/** The unread count shown by the bell; refreshed by polling and after marking items read. */
export const unread = reactive({ count: 0, loaded: false });

/** Returns the badge text for `n` unread items: '' for none, '99+' above 99. */
export function badgeText(n) {
  const v = Number(n) || 0;
  if (v <= 0) {
    return '';
  }
  return v > 99 ? '99+' : String(v);
}

/** Returns the inbox query string for the page's filters. */
export function inboxQuery({ unreadOnly = false, page = 1, pageSize = 20 } = {}) {
  const params = new URLSearchParams();
  if (unreadOnly) {
    params.set('unread', 'true');
  }
  params.set('page', String(Math.max(1, Math.trunc(page) || 1)));
  params.set('page_size', String(Math.min(100, Math.max(1, Math.trunc(pageSize) || 20))));
  return `/api/v1/inbox?${params.toString()}`;
}

/** Returns the item's text in `locale`, falling back to the other language. */
export function itemText(item, field, locale) {
  const zh = item[`${field}_zh`] || '';
  const en = item[`${field}_en`] || '';
  return locale === 'en' ? en || zh || item[field] || '' : zh || en || item[field] || '';
}

/**
 * Returns a router location for an item's link, or null when it has none. Only in-app paths
 * ("/appeals/7") are followed; anything else is ignored (the server never stores other links).
 */
export function itemRoute(item) {
  const link = item && typeof item.link === 'string' ? item.link : '';
  if (!link.startsWith('/') || link.startsWith('//')) {
    return null;
  }
  return link;
}

/** Returns the tag type for a delivery status (operators' delivery log). */
export function deliveryTagType(status) {
  return { sent: 'success', failed: 'danger', sending: 'warning', pending: 'info' }[status] || 'info';
}

/** Fetches one inbox page. */
export async function fetchInbox(filters) {
  return api.get(inboxQuery(filters));
}

/** Fetches the unread count into `unread` (quietly: the bell never shows errors). */
export async function refreshUnread() {
  try {
    const body = await api.get('/api/v1/inbox/unread-count', { authRedirect: false });
    unread.count = Number(body && body.unread) || 0;
    unread.loaded = true;
  } catch {
    // Signed out or offline: keep the last count; the next poll tries again.
  }
  return unread.count;
}

/** Marks one item read; returns the updated item. */
export async function markRead(id) {
  const item = await api.post(`/api/v1/inbox/${encodeURIComponent(id)}/read`);
  await refreshUnread();
  return item;
}

/** Marks every item read; returns how many changed. */
export async function markAllRead() {
  const body = await api.post('/api/v1/inbox/read-all');
  await refreshUnread();
  return Number(body && body.marked) || 0;
}

/** Returns the deliveries query string for the operators' log. */
export function deliveriesQuery({ status = '', channel = '', page = 1, pageSize = 20 } = {}) {
  const params = new URLSearchParams();
  if (status) {
    params.set('status', status);
  }
  if (channel) {
    params.set('channel', channel);
  }
  params.set('page', String(Math.max(1, Math.trunc(page) || 1)));
  params.set('page_size', String(Math.min(200, Math.max(1, Math.trunc(pageSize) || 20))));
  return `/api/v1/notify/deliveries?${params.toString()}`;
}

/** Robot channels a target may use. */
export const ROBOT_CHANNELS = ['wecom', 'dingtalk'];
/** Every channel a target may use: the robots and e-mail lists (a department's or role's mailboxes). */
export const TARGET_CHANNELS = ['wecom', 'dingtalk', 'email'];
/** SMTP connection security: plain, STARTTLS if offered, STARTTLS required, TLS from the start (smtps). */
export const SMTP_TLS_MODES = ['try', 'require', 'implicit', 'none'];

/** Splits the addresses typed in the form (one per line, or separated by commas, semicolons, spaces). */
export function parseAddresses(text) {
  return String(text || '')
    .split(/[\s,;，；]+/)
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
}
/** What a robot target is attached to. */
export const TARGET_SCOPES = ['org', 'chain', 'role', 'all'];

/**
 * Builds the request body of the target form: POST (create) sends every field including the
 * channel; an e-mail target sends `addresses` (parsed from the text) instead of `url` and `secret`; PATCH (edit) leaves the channel out (it cannot change) and sends `secret` only when a
 * new one was typed or `clearSecret` is set, so an unchanged secret stays as it is.
 */
export function targetBody(form, { create }) {
  const body = {
    name: String(form.name || '').trim(),
    scope: form.scope,
    scope_value: form.scope === 'all' ? '' : String(form.scope_value ?? '').trim(),
    enabled: Boolean(form.enabled),
  };
  if (form.channel === 'email') {
    // E-mail lists have addresses instead of a webhook URL and a secret.
    body.addresses = parseAddresses(form.addresses);
    if (create) body.channel = 'email';
    return body;
  }
  body.url = String(form.url || '').trim();
  if (create) {
    body.channel = form.channel;
    if (form.secret) body.secret = form.secret;
  } else if (form.clearSecret) {
    body.secret = '';
  } else if (form.secret) {
    body.secret = form.secret;
  }
  return body;
}

/** Shortens a webhook URL for the table, hiding its key (the part after "key=" / "access_token="). */
export function maskWebhook(url) {
  const s = String(url || '');
  return s.replace(/((?:key|access_token)=)([^&]{4})[^&]*/i, '$1$2…');
}

/** Builds the PUT /api/v1/notify/smtp body from the SMTP form (port as an integer when it is one). */
export function smtpBody(form) {
  const port = String(form.port ?? '').trim();
  return {
    host: String(form.host || '').trim(),
    port: /^\d+$/.test(port) ? Number(port) : port,
    tls: form.tls,
    mail_from: String(form.mail_from || '').trim(),
  };
}
