import { describe, expect, it } from 'vitest';
import { PAGES, ROLES, accessFor, audienceOf, navFor } from './nav.js';

function signedIn(...roles) {
  return {
    signedIn: true,
    user: { id: 1, username: 'u', display_name: 'U' },
    roles: roles.map((role, i) => ({ org_id: i + 1, org_name: `org${i + 1}`, role })),
  };
}
const anonymous = { signedIn: false, roles: [] };
const names = (session) => navFor(session).map((p) => p.name);

// What staff roles share: the chain details, major projects, the appeal queue, receptions, the
// dispatch catalogue (read-only below operator), the service dashboard and the policy pages.
const STAFF = ['home', 'chains', 'enterprises', 'parks', 'projects'];
const STAFF_SERVICE = ['appeals', 'receptions'];
const STAFF_TAIL = ['appeal-catalogue', 'sla-rules', 'search', 'service-dashboard', 'policies', 'policy-applications'];
const PUBLIC_SIGNED_IN = ['home', 'chains', 'parks', 'inbox', 'account'];

describe('navigation table', () => {
  it('shows anonymous visitors home, the public chain and park pages, and sign-in', () => {
    expect(names(anonymous)).toEqual(['home', 'chains', 'parks', 'signin']);
    expect(names(null)).toEqual(['home', 'chains', 'parks', 'signin']);
    expect(audienceOf(anonymous)).toEqual(['public']);
  });

  it('shows operators everything incl. the rota editor and tokens', () => {
    expect(names(signedIn('operator'))).toEqual([
      ...STAFF, 'calendar', ...STAFF_SERVICE, 'duty-rota', ...STAFF_TAIL, 'tokens', 'inbox', 'notify-targets', 'account',
    ]);
  });

  it('shows officers the calendar but neither the rota editor nor tokens', () => {
    expect(names(signedIn('officer'))).toEqual([
      ...STAFF, 'calendar', ...STAFF_SERVICE, ...STAFF_TAIL, 'inbox', 'account',
    ]);
  });

  it('shows enterprises their appeals and matched policies', () => {
    expect(names(signedIn('enterprise'))).toEqual([
      'home', 'chains', 'parks', 'my-appeals', 'my-policies', 'inbox', 'account',
    ]);
  });

  it.each(['researcher', 'tech_manager'])('shows %s the public pages, inbox and account only', (role) => {
    expect(names(signedIn(role))).toEqual(PUBLIC_SIGNED_IN);
  });

  it.each(['duty_director', 'chain_chief'])('shows %s the chain details and the service pages', (role) => {
    expect(names(signedIn(role))).toEqual([...STAFF, ...STAFF_SERVICE, ...STAFF_TAIL, 'inbox', 'account']);
  });

  it('shows a signed-in user without roles the public pages, inbox and account', () => {
    expect(names(signedIn())).toEqual(PUBLIC_SIGNED_IN);
  });

  it('takes the union of roles across organisations, without duplicates', () => {
    expect(names(signedIn('enterprise', 'officer', 'officer'))).toEqual([
      ...STAFF, 'calendar', 'my-appeals', ...STAFF_SERVICE, 'appeal-catalogue', 'sla-rules', 'search', 'service-dashboard',
      'my-policies', 'policies', 'policy-applications', 'inbox', 'account',
    ]);
    expect(audienceOf(signedIn('officer', 'officer'))).toEqual(['signed_in', 'officer']);
  });

  it('accepts the server shape (signed_in) as well as the store shape', () => {
    expect(navFor({ signed_in: true, roles: [{ role: 'operator' }] }).map((p) => p.name)).toContain('tokens');
  });

  it('never hides sign-in from anonymous users nor shows it to signed-in ones', () => {
    for (const role of ROLES) {
      expect(names(signedIn(role))).not.toContain('signin');
    }
  });

  it('gives every page an i18n label and a known audience', () => {
    for (const p of PAGES) {
      expect(p.label).toMatch(/^nav\./);
      for (const r of p.roles) {
        expect([...ROLES, 'public', 'signed_in']).toContain(r);
      }
    }
  });
});

describe('route guard decisions', () => {
  it('sends anonymous users to sign-in for guarded pages', () => {
    expect(accessFor('tokens', anonymous)).toBe('signin');
    expect(accessFor('account', anonymous)).toBe('signin');
    expect(accessFor('calendar', anonymous)).toBe('signin');
    expect(accessFor('home', anonymous)).toBe('allow');
    expect(accessFor('signin', anonymous)).toBe('allow');
  });

  it('forbids pages the role lacks and sends signed-in users away from sign-in', () => {
    expect(accessFor('tokens', signedIn('officer'))).toBe('forbidden');
    expect(accessFor('calendar', signedIn('enterprise'))).toBe('forbidden');
    expect(accessFor('tokens', signedIn('operator'))).toBe('allow');
    expect(accessFor('signin', signedIn('operator'))).toBe('home');
  });

  it('opens chain maps and parks to everyone, firm details to detail roles and own firms', () => {
    expect(accessFor('chains', anonymous)).toBe('allow');
    expect(accessFor('chain', anonymous)).toBe('allow');
    expect(accessFor('parks', anonymous)).toBe('allow');
    expect(accessFor('enterprises', anonymous)).toBe('signin');
    expect(accessFor('enterprises', signedIn('researcher'))).toBe('forbidden');
    expect(accessFor('enterprises', signedIn('chain_chief'))).toBe('allow');
    expect(accessFor('enterprise', signedIn('enterprise'))).toBe('allow');
    expect(accessFor('enterprises', signedIn('enterprise'))).toBe('forbidden');
  });

  it('allows unknown routes through to the not-found page', () => {
    expect(accessFor('not-found', anonymous)).toBe('allow');
  });
});
