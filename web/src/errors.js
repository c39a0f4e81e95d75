// Shows errors readably: problem bodies in the current language with their request id, in an
// ElMessage. Pages that show an error themselves mark it `handled` so it is not shown twice.
import { h } from 'vue';
import { ElMessage } from 'element-plus';
import { ApiError } from './api/client.js';
import { currentLocale, i18n } from './i18n/index.js';

/** Shows `err` as a transient message; API errors in the current language with request id. */
export function showError(err) {
  const t = i18n.global.t;
  if (err instanceof ApiError) {
    const text = err.localized(currentLocale());
    const children = [h('div', { class: 'msg-text' }, text)];
    if (err.requestId) {
      children.push(h('div', { class: 'msg-request-id' }, t('common.requestId', { id: err.requestId })));
    }
    ElMessage({ type: 'error', message: h('div', { class: 'api-error-message' }, children), duration: 6000, grouping: true });
    return;
  }
  ElMessage({ type: 'error', message: t('errors.unexpected'), grouping: true });
}

/** Installs the global handlers: Vue component errors and unhandled promise rejections. */
export function installErrorHandlers(app) {
  app.config.errorHandler = (err, _instance, info) => {
    console.error('[kechan]', info, err);
    if (!(err && err.handled)) {
      showError(err);
    }
  };
  window.addEventListener('unhandledrejection', (ev) => {
    const err = ev.reason;
    if (err instanceof ApiError) {
      ev.preventDefault();
      if (!err.handled) {
        showError(err);
      }
    }
  });
}
