// vue-i18n setup: zh-CN by default, English on request; the choice is kept in localStorage.
import { createI18n } from 'vue-i18n';
import { messages } from './messages.js';

export const LOCALE_KEY = 'kechan.locale';
export const SUPPORTED = ['zh-CN', 'en'];

/** Returns the saved locale, or zh-CN when none (or an unknown one) is saved. */
export function savedLocale(storage = globalThis.localStorage) {
  try {
    const v = storage && storage.getItem(LOCALE_KEY);
    return SUPPORTED.includes(v) ? v : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: savedLocale(),
  fallbackLocale: 'zh-CN',
  messages,
});

/** Returns the current UI locale ("zh-CN" or "en"). */
export function currentLocale() {
  return i18n.global.locale.value;
}

/** Switches the UI language and remembers it. */
export function setLocale(locale) {
  if (!SUPPORTED.includes(locale)) {
    return;
  }
  i18n.global.locale.value = locale;
  try {
    globalThis.localStorage.setItem(LOCALE_KEY, locale);
  } catch {
    // storage unavailable (private mode): the choice lasts for this page only
  }
  if (globalThis.document) {
    document.documentElement.lang = locale;
  }
}
