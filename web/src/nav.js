// The declarative table of pages: path, who may open each one, and whether it appears in the
// sidebar. The router and the sidebar both read it, so what a role sees and what it may open
// cannot drift apart. Plain data without component imports (the router maps names to views), so
// unit tests and the browser test can import it.

/** Roles of docs/product.md, as the server names them. */
export const ROLES = [
  'enterprise',
  'researcher',
  'tech_manager',
  'officer',
  'duty_director',
  'chain_chief',
  'operator',
];

/** Anonymous visitors. */
export const PUBLIC = 'public';
/** Anyone signed in, whatever their roles. */
export const SIGNED_IN = 'signed_in';

/** Roles that see chain details: the enterprise list, profiles, key firms (routes.cc CanSeeDetails). */
export const DETAIL_ROLES = ['officer', 'duty_director', 'chain_chief', 'operator'];

/**
 * Pages that exist. `roles` lists who may open the page (any match is enough); `nav` says
 * whether it is listed in the sidebar; `label` is the vue-i18n key of its title.
 */
export const PAGES = [
  { name: 'home', path: '/', roles: [PUBLIC, SIGNED_IN], nav: true, label: 'nav.home', icon: 'HomeFilled' },
  { name: 'chains', path: '/chains', roles: [PUBLIC, SIGNED_IN], nav: true, label: 'nav.chains', icon: 'Share' },
  { name: 'chain', path: '/chains/:id', roles: [PUBLIC, SIGNED_IN], nav: false, label: 'nav.chain', icon: 'Share' },
  { name: 'enterprises', path: '/enterprises', roles: DETAIL_ROLES, nav: true, label: 'nav.enterprises', icon: 'OfficeBuilding' },
  // Enterprise users may open their own firm's profile (the server checks which one).
  { name: 'enterprise', path: '/enterprises/:id', roles: [...DETAIL_ROLES, 'enterprise'], nav: false, label: 'nav.enterprise', icon: 'OfficeBuilding' },
  { name: 'parks', path: '/parks', roles: [PUBLIC, SIGNED_IN], nav: true, label: 'nav.parks', icon: 'MapLocation' },
  { name: 'projects', path: '/projects', roles: DETAIL_ROLES, nav: true, label: 'nav.projects', icon: 'Tickets' },
  { name: 'signin', path: '/signin', roles: [PUBLIC], nav: true, label: 'nav.signin', icon: 'Key' },
  { name: 'calendar', path: '/calendar', roles: ['operator', 'officer'], nav: true, label: 'nav.calendar', icon: 'Calendar' },
  // Appeals (政企服务诉求闭环): enterprises file and follow their own; officers and leaders work the queue.
  { name: 'my-appeals', path: '/my-appeals', roles: ['enterprise'], nav: true, label: 'nav.myAppeals', icon: 'Tickets' },
  { name: 'appeals', path: '/appeals', roles: ['officer', 'duty_director', 'chain_chief', 'operator'], nav: true, label: 'nav.appeals', icon: 'Tickets' },
  { name: 'appeal-new', path: '/appeals/new', roles: ['enterprise', 'officer', 'duty_director', 'chain_chief', 'operator'], nav: false, label: 'nav.appealNew', icon: 'Tickets' },
  { name: 'appeal', path: '/appeals/:id(\\d+)', roles: ['enterprise', 'officer', 'duty_director', 'chain_chief', 'operator'], nav: false, label: 'nav.appeal', icon: 'Tickets' },
  { name: 'receptions', path: '/receptions', roles: ['duty_director', 'chain_chief', 'operator', 'officer'], nav: true, label: 'nav.receptions', icon: 'Calendar' },
  { name: 'duty-rota', path: '/duty-rota', roles: ['operator'], nav: true, label: 'nav.dutyRota', icon: 'Calendar' },
  { name: 'appeal-catalogue', path: '/appeal-catalogue', roles: ['operator', 'officer', 'duty_director', 'chain_chief'], nav: true, label: 'nav.appealCatalogue', icon: 'Share' },
  { name: 'sla-rules', path: '/sla-rules', roles: ['operator', 'officer', 'duty_director', 'chain_chief'], nav: true, label: 'nav.slaRules', icon: 'Calendar' },
  // Full-text search over every indexed type (issue 5).
  { name: 'search', path: '/search', roles: ['officer', 'duty_director', 'chain_chief', 'operator'], nav: true, label: 'nav.search', icon: 'Tickets' },
  { name: 'service-dashboard', path: '/service-dashboard', roles: ['officer', 'duty_director', 'chain_chief', 'operator'], nav: true, label: 'nav.serviceDashboard', icon: 'MapLocation' },
  // Policy toolkit (惠企政策): enterprises see what fits them; staff manage policies and applications.
  { name: 'my-policies', path: '/my-policies', roles: ['enterprise'], nav: true, label: 'nav.myPolicies', icon: 'Tickets' },
  { name: 'policies', path: '/policies', roles: DETAIL_ROLES, nav: true, label: 'nav.policies', icon: 'Tickets' },
  { name: 'policy', path: '/policies/:id(\\d+)', roles: DETAIL_ROLES, nav: false, label: 'nav.policies', icon: 'Tickets' },
  { name: 'policy-applications', path: '/policy-applications', roles: DETAIL_ROLES, nav: true, label: 'nav.policyApplications', icon: 'Tickets' },
  { name: 'tokens', path: '/tokens', roles: ['operator'], nav: true, label: 'nav.tokens', icon: 'Tickets' },
  { name: 'inbox', path: '/inbox', roles: [SIGNED_IN], nav: true, label: 'nav.inbox', icon: 'Bell' },
  // Operators reach the delivery log from the inbox page.
  { name: 'notify-deliveries', path: '/notify/deliveries', roles: ['operator'], nav: false, label: 'nav.inbox', icon: 'Bell' },
  { name: 'notify-targets', path: '/notify/targets', roles: ['operator'], nav: true, label: 'nav.notifyTargets', icon: 'Bell' },
  { name: 'account', path: '/account', roles: [SIGNED_IN], nav: true, label: 'nav.account', icon: 'User' },
];

/**
 * Returns the audience tokens of a session: ["public"] when anonymous, otherwise "signed_in" plus
 * each distinct role the user holds in any organisation.
 * @param {{signedIn?: boolean, signed_in?: boolean, roles?: Array<{role: string}>}|null} session
 */
export function audienceOf(session) {
  const signedIn = Boolean(session && (session.signedIn ?? session.signed_in));
  if (!signedIn) {
    return [PUBLIC];
  }
  const out = [SIGNED_IN];
  for (const r of session.roles || []) {
    if (r && typeof r.role === 'string' && !out.includes(r.role)) {
      out.push(r.role);
    }
  }
  return out;
}

/** Returns true when a page with `page.roles` may be opened by `audience`. */
export function allows(page, audience) {
  return page.roles.some((r) => audience.includes(r));
}

/** Returns the sidebar entries (in table order) that `session` sees. */
export function navFor(session) {
  const audience = audienceOf(session);
  return PAGES.filter((p) => p.nav && allows(p, audience));
}

/** Returns the page named `name`, or undefined. */
export function pageNamed(name) {
  return PAGES.find((p) => p.name === name);
}

/**
 * Decides what happens when `session` opens the page named `name`:
 * "allow", "signin" (anonymous user on a page that needs signing in), "home" (signed-in user on a
 * page only for anonymous visitors, such as sign-in) or "forbidden" (signed in, lacks the role).
 */
export function accessFor(name, session) {
  const page = pageNamed(name);
  if (!page) {
    return 'allow'; // not-found page and the like
  }
  const audience = audienceOf(session);
  if (allows(page, audience)) {
    return 'allow';
  }
  if (audience.includes(PUBLIC)) {
    return 'signin';
  }
  if (page.roles.length === 1 && page.roles[0] === PUBLIC) {
    return 'home';
  }
  return 'forbidden';
}
