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

describe('navigation table', () => {
  it('shows anonymous visitors home, the public chain and park pages, and sign-in', () => {
    expect(names(anonymous)).toEqual(['home', 'chains', 'parks', 'signin']);
    expect(names(null)).toEqual(['home', 'chains', 'parks', 'signin']);
    expect(audienceOf(anonymous)).toEqual(['public']);
  });

  it('shows operators home, calendar, tokens and account', () => {
    expect(names(signedIn('operator'))).toEqual(['home', 'chains', 'enterprises', 'parks', 'calendar', 'tokens', 'account']);
  });

  it('shows officers the calendar but not tokens', () => {
    expect(names(signedIn('officer'))).toEqual(['home', 'chains', 'enterprises', 'parks', 'calendar', 'account']);
  });

  it.each(['enterprise', 'researcher', 'tech_manager'])('shows %s the public pages and account only', (role) => {
    expect(names(signedIn(role))).toEqual(['home', 'chains', 'parks', 'account']);
  });

  it.each(['duty_director', 'chain_chief'])('shows %s the enterprise list (chain details)', (role) => {
    expect(names(signedIn(role))).toEqual(['home', 'chains', 'enterprises', 'parks', 'account']);
  });

  it('shows a signed-in user without roles the public pages and account', () => {
    expect(names(signedIn())).toEqual(['home', 'chains', 'parks', 'account']);
  });

  it('takes the union of roles across organisations, without duplicates', () => {
    expect(names(signedIn('enterprise', 'officer', 'officer'))).toEqual(['home', 'chains', 'enterprises', 'parks', 'calendar', 'account']);
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
