import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import { messages, mergeMessages } from './messages.js';

const zhCN = messages['zh-CN'];
const en = messages.en;
import { PAGES, ROLES } from '../nav.js';

function keys(obj, prefix = '') {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}
function lookup(obj, path) {
  return path.split('.').reduce((o, k) => (o ? o[k] : undefined), obj);
}

describe('messages', () => {
  it('refuses a module that redefines a key', () => {
    expect(() => mergeMessages({ 'zh-CN': { a: 1 }, en: { a: 1 } }, [['x.js', { 'zh-CN': { a: 2 } }]])).toThrow(/x.js/);
  });

  it('has the same keys in zh-CN and en', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort());
  });

  it('has a non-empty label for every page and role in both languages', () => {
    for (const m of [zhCN, en]) {
      for (const p of PAGES) {
        expect(lookup(m, p.label)).toBeTruthy();
      }
      for (const r of [...ROLES, 'public']) {
        expect(lookup(m, `roles.${r}`)).toBeTruthy();
      }
    }
  });

  it('uses the same placeholders in both languages', () => {
    const ph = (s) => (String(s).match(/\{\w+\}/g) || []).sort();
    for (const k of keys(zhCN)) {
      // The English month title names the month instead of numbering it.
      if (k === 'calendar.monthTitle') {
        continue;
      }
      expect(ph(lookup(en, k)), k).toEqual(ph(lookup(zhCN, k)));
    }
  });

  // vue-i18n compiles each message on first use; a literal "@", "|", "{" or "}" must be written
  // {'@'} etc., or the page throws when it shows the message.
  it('compiles every message in both languages', () => {
    for (const [locale, m] of [['zh-CN', zhCN], ['en', en]]) {
      const i18n = createI18n({ legacy: false, locale, messages: { [locale]: m }, missingWarn: false, fallbackWarn: false });
      for (const k of keys(m)) {
        expect(() => i18n.global.t(k, { n: 1 }), `${locale} ${k}`).not.toThrow();
      }
    }
  });
});
