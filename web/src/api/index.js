// The app's API client instance, wired to the session (CSRF token) and the UI language. The
// handler for 401 answers is installed by main.js (it needs the router).
import { createClient } from './client.js';
import { currentLocale } from '../i18n/index.js';
import { session } from '../session.js';

let unauthorizedHandler = () => {};

/** Installs what happens when the server answers 401 (normally: go to sign-in). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export const api = createClient({
  getCsrfToken: () => session.csrfToken,
  getLocale: () => currentLocale(),
  onUnauthorized: (err) => unauthorizedHandler(err),
});
