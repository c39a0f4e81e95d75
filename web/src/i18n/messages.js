// The UI messages: the shared zh-CN.js / en.js plus one file per module under ./modules/, each
// exporting { 'zh-CN': {...}, en: {...} } with its own top-level keys (e.g. appeals, policy), so
// modules add their strings without editing the shared files.
import zhCN from './zh-CN.js';
import en from './en.js';

const modules = import.meta.glob('./modules/*.js', { eager: true });

/** Returns the merged messages { 'zh-CN': {...}, en: {...} }; a module may not redefine a key. */
export function mergeMessages(base, parts) {
  const out = { 'zh-CN': { ...base['zh-CN'] }, en: { ...base.en } };
  for (const [file, mod] of parts) {
    const m = mod.default || mod;
    for (const locale of ['zh-CN', 'en']) {
      for (const [k, v] of Object.entries(m[locale] || {})) {
        if (k in out[locale]) {
          throw new Error(`${file}: message key "${k}" already defined`);
        }
        out[locale][k] = v;
      }
    }
  }
  return out;
}

export const messages = mergeMessages({ 'zh-CN': zhCN, en }, Object.entries(modules));
