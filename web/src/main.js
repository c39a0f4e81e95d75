// Entry point: Vue app with Element Plus, vue-i18n, the router and the global error handlers.
import { createApp } from 'vue';
import ElementPlus, { ElMessage } from 'element-plus';
import 'element-plus/dist/index.css';
import App from './App.vue';
import { router } from './router.js';
import { i18n, currentLocale } from './i18n/index.js';
import { installErrorHandlers } from './errors.js';
import { onUnauthorized } from './api/index.js';
import { clearSession } from './session.js';
import './styles.css';

document.documentElement.lang = currentLocale();

// A 401 on an ordinary call means the session ended: forget it and go to sign-in.
onUnauthorized((err) => {
  err.handled = true;
  clearSession();
  const current = router.currentRoute.value;
  if (current.name !== 'signin') {
    ElMessage.warning({ message: i18n.global.t('errors.sessionExpired'), grouping: true });
    router.push({ name: 'signin', query: { redirect: current.fullPath } });
  }
});

const app = createApp(App);
app.use(ElementPlus);
app.use(i18n);
app.use(router);
installErrorHandlers(app);
app.mount('#app');
