// Browser test of sign-in against a running kechan server, with Debian's chromium (headless)
// driven by playwright-core. Checks the sign-in page in Chinese, a readable error for a wrong
// password, the home page with the user's name and role-aware navigation, the English switch,
// and saves screenshots.
//
// Env: KECHAN_URL (base URL, e.g. http://127.0.0.1:8080), KECHAN_USER, KECHAN_PASSWORD,
//      SCREENSHOT_DIR (default ./screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints "e2e: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';
import { navFor } from '../../web/src/nav.js';

import { createRunner, expect, openPage, readEnv, text, toastsGone } from './harness.mjs';

const env = readEnv('e2e');
const { BASE, USER, PASSWORD, SHOTS } = env;
const runner = createRunner('e2e');
const check = runner.check;
const HAN = /[\u4e00-\u9fff]/;
const navNames = (page) =>
  page.locator('[data-testid="side-nav"] [data-nav]').evaluateAll((els) => els.map((e) => e.getAttribute('data-nav')));
const { browser, page, pageErrors } = await openPage('e2e', env, { width: 1366, height: 860 });

let session = null;
console.log(`e2e: sign-in against ${BASE} as ${USER}, screenshots in ${SHOTS}`);
try {
  await check('anonymous home shows only the public pages and sign-in in the sidebar', async () => {
    const res = await page.goto(`${BASE}/`, { waitUntil: 'domcontentloaded' });
    expect(res && res.ok(), `GET ${BASE}/ answered ${res ? res.status() : 'nothing'}`);
    await page.locator('[data-testid="side-nav"] [data-nav="home"]').waitFor();
    const names = await navNames(page);
    const expected = navFor(null).map((p) => p.name);
    expect(expected.includes('home') && expected.includes('signin') && !expected.includes('tokens'),
      `the nav table's anonymous entries look wrong: ${JSON.stringify(expected)}`);
    expect(JSON.stringify(names) === JSON.stringify(expected), `anonymous nav was ${JSON.stringify(names)}, expected ${JSON.stringify(expected)}`);
  });

  await check('sign-in page renders in Chinese', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="signin"]').click();
    await page.waitForURL(/#\/signin/);
    const title = await text(page.getByTestId('signin-title'));
    expect(title === '登录', `sign-in title was "${title}", expected "登录"`);
    const labels = await page.locator('.el-form-item__label').allTextContents();
    expect(labels.includes('用户名') && labels.includes('密码'), `form labels were ${JSON.stringify(labels)}`);
    const lang = await page.evaluate(() => document.documentElement.lang);
    expect(lang === 'zh-CN', `<html lang> was "${lang}"`);
  });

  await check('a wrong password shows a readable Chinese error', async () => {
    await page.getByTestId('signin-username').fill(USER);
    await page.getByTestId('signin-password').fill(`${PASSWORD}-wrong`);
    await page.getByTestId('signin-submit').click();
    const err = page.getByTestId('problem-text');
    await err.waitFor({ state: 'visible' });
    const msg = await text(err);
    expect(msg.length > 0, 'the error message is empty');
    expect(HAN.test(msg), `the error message is not in Chinese: "${msg}"`);
    expect(!/^\s*[{[]/.test(msg) && !/HTTP \d{3}/.test(msg), `the error message looks raw: "${msg}"`);
    const rid = page.getByTestId('problem-request-id');
    const ridText = (await rid.count()) ? await text(rid) : '(none)';
    console.log(`    error shown: "${msg}"  ${ridText}`);
    expect(page.url().includes('#/signin'), `left the sign-in page after a failed attempt: ${page.url()}`);
    await page.screenshot({ path: path.join(SHOTS, 'signin.png'), fullPage: true });
  });

  await check('signing in lands on home with the user name', async () => {
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('problem-text').waitFor({ state: 'hidden' }); // typing clears the old error
    await page.getByTestId('signin-submit').click();
    // Either the home page appears or the sign-in page shows why it refused.
    await page.locator('[data-testid="welcome-title"], [data-testid="problem-text"]').first().waitFor({ state: 'visible' });
    const refused = page.getByTestId('problem-text');
    if (await refused.isVisible()) {
      expect(false, `sign-in as ${USER} was refused: "${await text(refused)}" (check KECHAN_USER / KECHAN_PASSWORD)`);
    }
    session = await page.evaluate(async () => (await fetch('/api/v1/session', { credentials: 'same-origin' })).json());
    expect(session && session.signed_in === true, `GET /api/v1/session after sign-in: ${JSON.stringify(session)}`);
    const name = session.user.display_name || session.user.username;
    const shown = await text(page.getByTestId('user-name'));
    expect(shown === name, `header shows "${shown}", expected "${name}"`);
    const welcome = await text(page.getByTestId('welcome-title'));
    expect(welcome.includes(name), `welcome reads "${welcome}", expected it to name "${name}"`);
  });

  await check('home shows the role-aware navigation', async () => {
    const expected = navFor(session).map((p) => p.name);
    const names = await navNames(page);
    expect(JSON.stringify(names) === JSON.stringify(expected), `nav was ${JSON.stringify(names)}, expected ${JSON.stringify(expected)} for roles ${JSON.stringify(session.roles.map((r) => r.role))}`);
    const home = await text(page.locator('[data-testid="side-nav"] [data-nav="home"]'));
    expect(home === '首页', `home nav label was "${home}"`);
    // The chart, or the notice that the calendar is not available yet, settles the page.
    await page.locator('[data-testid="working-days-chart"] canvas, [data-testid="chart-unavailable"]').first().waitFor();
    await toastsGone(page);
    await page.waitForTimeout(700); // let the chart's entry animation finish for the screenshot
    await page.screenshot({ path: path.join(SHOTS, 'home-zh.png'), fullPage: true });
  });

  await check('switching to English relabels the page and is remembered', async () => {
    await page.getByTestId('lang-en').click();
    const home = page.locator('[data-testid="side-nav"] [data-nav="home"]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect((await text(home)) === 'Home', `home nav label was "${await text(home)}" after switching to English`);
    const account = await text(page.locator('[data-testid="side-nav"] [data-nav="account"]'));
    expect(account === 'My account', `account nav label was "${account}"`);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'home-en.png'), fullPage: true });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await home.waitFor();
    expect((await text(home)) === 'Home', 'English was not remembered after a reload');
  });

  await check('signing out (DELETE with the CSRF token) ends the session', async () => {
    await page.getByTestId('user-menu').click();
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-title').waitFor({ state: 'visible' });
    const after = await page.evaluate(async () => (await fetch('/api/v1/session', { credentials: 'same-origin' })).json());
    expect(after && after.signed_in === false, `GET /api/v1/session after sign-out: ${JSON.stringify(after)}`);
  });

  await check('no uncaught errors in the page', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  if (runner.stopped) {
    await page.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
    console.log(`    failure screenshot: ${path.join(SHOTS, 'failure.png')}`);
  }
  await browser.close();
}

runner.finish();
