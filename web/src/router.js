// The router: routes come from the page table in nav.js; a guard enforces its roles, sending
// anonymous users to sign-in (with a redirect back) and others home with a notice.
import { createRouter, createWebHashHistory } from 'vue-router';
import { ElMessage } from 'element-plus';
import { PAGES, accessFor } from './nav.js';
import { loadSession } from './auth.js';
import { session } from './session.js';
import { currentLocale, i18n } from './i18n/index.js';
import { fallbackMessage } from './api/client.js';

const views = {
  home: () => import('./views/HomePage.vue'),
  signin: () => import('./views/SignInPage.vue'),
  chains: () => import('./views/ChainsPage.vue'),
  chain: () => import('./views/ChainPage.vue'),
  enterprises: () => import('./views/EnterprisesPage.vue'),
  enterprise: () => import('./views/EnterprisePage.vue'),
  parks: () => import('./views/ParksPage.vue'),
  projects: () => import('./views/ProjectsPage.vue'),
  calendar: () => import('./views/CalendarPage.vue'),
  'my-appeals': () => import('./views/AppealListPage.vue'),
  appeals: () => import('./views/AppealListPage.vue'),
  'appeal-new': () => import('./views/AppealNewPage.vue'),
  appeal: () => import('./views/AppealPage.vue'),
  receptions: () => import('./views/ReceptionsPage.vue'),
  'duty-rota': () => import('./views/RotaPage.vue'),
  'appeal-catalogue': () => import('./views/CataloguePage.vue'),
  'sla-rules': () => import('./views/SlaRulesPage.vue'),
  'service-dashboard': () => import('./views/ServiceDashboardPage.vue'),
  search: () => import('./views/SearchPage.vue'),
  'my-policies': () => import('./views/PolicyMatchesPage.vue'),
  policies: () => import('./views/PoliciesPage.vue'),
  policy: () => import('./views/PolicyPage.vue'),
  'policy-applications': () => import('./views/PolicyApplicationsPage.vue'),
  tokens: () => import('./views/TokensPage.vue'),
  account: () => import('./views/AccountPage.vue'),
  inbox: () => import('./views/InboxPage.vue'),
  'notify-deliveries': () => import('./views/InboxDeliveriesPage.vue'),
  'notify-targets': () => import('./views/NotifyTargetsPage.vue'),
};

const routes = PAGES.map((p) => ({
  name: p.name,
  path: p.path,
  component: views[p.name],
  meta: { label: p.label },
}));
routes.push({ path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFoundPage.vue') });

// Hash history: deep links work from any static file server, with no fallback rule needed.
export const router = createRouter({
  history: createWebHashHistory(),
  routes,
});

router.beforeEach(async (to) => {
  await loadSession();
  const decision = accessFor(String(to.name || ''), session);
  const t = i18n.global.t;
  if (decision === 'signin') {
    ElMessage.warning({ message: t('errors.signInRequired'), grouping: true });
    return { name: 'signin', query: { redirect: to.fullPath } };
  }
  if (decision === 'home') {
    return { name: 'home' };
  }
  if (decision === 'forbidden') {
    ElMessage.error({ message: t('errors.forbidden'), grouping: true });
    return { name: 'home' };
  }
  return true;
});

/** Sets the window title from the route's label in the current language. */
export function updateTitle(to = router.currentRoute.value) {
  const t = i18n.global.t;
  const label = to.meta && to.meta.label ? t(String(to.meta.label)) : '';
  document.title = label ? `${label} · ${t('app.name')}` : t('app.name');
}

router.afterEach((to) => updateTitle(to));

// A page's code could not be loaded (server restarted with a new build, or unreachable): say so
// instead of leaving a blank page.
router.onError((err, to) => {
  const text = String((err && err.message) || err);
  if (/dynamically imported module|preload CSS|Importing a module script failed|Loading chunk/i.test(text)) {
    ElMessage.error({ message: fallbackMessage(0, currentLocale()), grouping: true });
    console.error('[kechan] could not load the page', to && to.fullPath, err);
    return;
  }
  throw err;
});
