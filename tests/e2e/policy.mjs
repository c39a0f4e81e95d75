// Browser test of the policy toolkit pages against a running kechan server with demo data: as the
// demo enterprise user, the "policies for me" page lists fitting policies with a result tag, the
// per-clause reasons open, and a one-click application is filed (policy-matches.png); then, as an
// officer/operator (KECHAN_STAFF_USER), the policy list, one policy's fitting-enterprise counts
// (policy-fit.png), in the structured rule editor (operators only) a rule error shown on the clause
// input it names (policy-editor-error.png) and a nested group with the draft previewed as counts of
// fit / to verify / do not fit (policy-editor.png), and the applications queue (policy-apps.png).
//
// Env: KECHAN_URL, KECHAN_USER (an enterprise user, e.g. demo-enterprise), KECHAN_PASSWORD,
//      KECHAN_STAFF_USER (default demo-operator; same password), SCREENSHOT_DIR, CHROMIUM.
// Prints "e2e-policy: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';

import { createRunner, expect, openPage, pickOption, readEnv, text, toastsGone } from './harness.mjs';

const env = readEnv('e2e-policy');
const { BASE, USER, PASSWORD, SHOTS } = env;
const STAFF = process.env.KECHAN_STAFF_USER || 'demo-operator';
const runner = createRunner('e2e-policy');
const check = runner.check;
const { browser, page, pageErrors } = await openPage('e2e-policy', env, { width: 1440, height: 1000 });

async function signIn(user) {
  await page.goto(`${BASE}/#/signin`, { waitUntil: 'domcontentloaded' });
  await page.getByTestId('signin-username').fill(user);
  await page.getByTestId('signin-password').fill(PASSWORD);
  await page.getByTestId('signin-submit').click();
  await page.locator('[data-testid="welcome-title"], [data-testid="problem-text"]').first().waitFor({ state: 'visible' });
  const refused = page.getByTestId('problem-text');
  if (await refused.isVisible()) {
    expect(false, `sign-in as ${user} was refused: "${await text(refused)}"`);
  }
}

console.log(`e2e-policy: policy pages against ${BASE} as ${USER} and ${STAFF}, screenshots in ${SHOTS}`);
try {
  await check('the enterprise user signs in and sees "policies for me" in the sidebar', async () => {
    await signIn(USER);
    await page.locator('[data-testid="side-nav"] [data-nav="my-policies"]').waitFor();
  });

  await check('matched policies show a result and a reason per clause', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="my-policies"]').click();
    await page.waitForURL(/#\/my-policies$/);
    await page.locator('.fit-card').first().waitFor();
    const n = await page.locator('.fit-card').count();
    expect(n > 0, 'no policy cards');
    const first = page.locator('.fit-card').first();
    const result = await text(first.locator('.fit-result'));
    expect(['符合', '待核实', '不符合'].includes(result), `unexpected result tag "${result}"`);
    await first.locator('.el-collapse-item__header').click();
    await first.locator('.clauses li').first().waitFor();
    const reasons = await first.locator('.clauses li').allTextContents();
    expect(reasons.length >= 2, `only ${reasons.length} clause reasons`);
    console.log(`    ${n} policies; first: ${result}; ${reasons.length} clause lines, e.g. ${JSON.stringify(reasons[1].trim())}`);
  });

  await check('a one-click application is filed and shows as applied', async () => {
    const card = page.locator('.fit-card[data-policy="CD-SCENE-2026"]');
    await card.waitFor();
    await card.locator('.apply-btn').click();
    await page.locator('.el-message-box .el-button--primary').click();
    await card.locator('.el-tag--success').filter({ hasText: '已申报' }).waitFor();
    await page.locator('.my-apps tbody tr.el-table__row').first().waitFor();
    await toastsGone(page);
    await page.screenshot({ path: path.join(SHOTS, 'policy-matches.png'), fullPage: true });
  });

  await check('staff sign in and see the policy list', async () => {
    await page.goto('about:blank');
    await page.context().clearCookies();
    await signIn(STAFF);
    await page.locator('[data-testid="side-nav"] [data-nav="policies"]').click();
    await page.waitForURL(/#\/policies$/);
    await page.locator('.policy-table tbody tr.el-table__row').first().waitFor();
    const n = await page.locator('.policy-table tbody tr.el-table__row').count();
    expect(n >= 5, `only ${n} policies listed`);
  });

  await check('a policy shows fitting-enterprise counts and facts to ask', async () => {
    await page.locator('.policy-table tbody tr.el-table__row').filter({ hasText: 'CD-ZJTX-2026' }).click();
    await page.waitForURL(/#\/policies\/\d+$/);
    const counts = await text(page.locator('.fit-counts'));
    expect(/符合 \d+ · 待核实 \d+ · 不符合 \d+/.test(counts), `counts "${counts}"`);
    await page.locator('.fit-table tbody tr.el-table__row').first().waitFor();
    console.log(`    ${counts}`);
    await page.screenshot({ path: path.join(SHOTS, 'policy-fit.png'), fullPage: true });
  });

  const isOperator = await page.locator('.new-version').isVisible().catch(() => false);
  if (isOperator) {
    await check('the structured editor shows a bad clause value on that input', async () => {
      await page.locator('.new-version').click();
      await page.locator('.version-dialog .rule-root').waitFor();
      await page.locator('.rule-root .clause-row').first().waitFor();
      // The fact picker offers the catalogue grouped by kind.
      await page.locator('.rule-root .clause-row .fact-select').first().click();
      await page.locator('.el-select-dropdown__item').filter({ hasText: '研发投入占比' }).first().waitFor();
      await page.keyboard.press('Escape');
      await page.locator('.rule-root .clause-row .value-input input').first().fill('abc');
      await page.locator('.check-rule').click();
      const err = page.locator('.rule-root .clause-row').first().locator('.el-form-item__error').first();
      await err.waitFor();
      const msg = await text(err);
      expect(msg.length > 0, `error text "${msg}"`);
      console.log(`    error on clause 1: ${msg}`);
      await page.screenshot({ path: path.join(SHOTS, 'policy-editor-error.png') });
    });

    await check('a nested group is added and the draft rule is previewed with counts', async () => {
      await page.locator('.rule-root .clause-row .value-input input').first().fill('10000000');
      await page.locator('.rule-root > .group-head .add-group').click();
      const nested = page.locator('.rule-root .rule-group.nested').first();
      await nested.waitFor();
      // Switch the nested group's clause to a yes/no fact.
      await pickOption(page, nested.locator('.clause-row .fact-select').first(), '规上企业');
      await nested.locator('.clause-row .el-radio-button').first().waitFor();
      await page.locator('.preview-rule').click();
      await page.locator('.pv-yes').waitFor();
      const counts = [await text(page.locator('.pv-yes')), await text(page.locator('.pv-unknown')), await text(page.locator('.pv-no'))];
      expect(counts.every((c) => /\d+$/.test(c)), `counts ${JSON.stringify(counts)}`);
      console.log(`    preview: ${counts.join(' / ')}`);
      await page.screenshot({ path: path.join(SHOTS, 'policy-editor.png') });
      await page.keyboard.press('Escape');
    });
  }

  await check('the applications queue lists the filed application', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="policy-applications"]').click();
    await page.waitForURL(/#\/policy-applications$/);
    await page.locator('.apps-table tbody tr.el-table__row').first().waitFor();
    await page.locator('.apps-table tbody tr.el-table__row').first().click();
    await page.locator('.el-drawer .el-timeline-item').first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'policy-apps.png') });
  });

  await check('no uncaught page errors', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  await browser.close();
}
runner.finish();
