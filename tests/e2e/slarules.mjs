// Browser test of the SLA rules page (operators): the sidebar entry opens it; a warning share of
// 100 % is refused by the server with the message on that field and nothing changes; the
// resolution goal of "financing" is set to 9 working hours with a 50 % warning, the cell shows
// it as the type's own rule, the clocks are recomputed from the prompt with progress to "done",
// the change history shows old → new, and the API returns the new rule.
// Saves slarules.png and slarules-error.png.
//
// Env: KECHAN_URL, KECHAN_USER (an operator, e.g. demo-operator), KECHAN_PASSWORD,
//      SCREENSHOT_DIR (default ./screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints "e2e-slarules: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';

import { createRunner, expect, openPage, pickOption, readEnv, text, toastsGone } from './harness.mjs';

const TAG = 'e2e-slarules';
const env = readEnv(TAG);
const { BASE, USER, PASSWORD, SHOTS } = env;
const runner = createRunner(TAG);
const check = runner.check;
const { browser, page, pageErrors } = await openPage(TAG, env, { width: 1440, height: 1000 });
const cell = () => page.getByTestId('rule-financing-resolution');
const apiRule = () =>
  page.evaluate(async () => {
    const r = await fetch('/api/v1/appeals/sla-rules', { headers: { Accept: 'application/json' } });
    const b = await r.json();
    const row = b.types.find((x) => x.type === 'financing');
    return row.clocks.find((c) => c.name === 'resolution');
  });

console.log(`${TAG}: SLA rules against ${BASE} as ${USER}, screenshots in ${SHOTS}`);
try {
  await check('the operator opens "SLA rules" from the sidebar', async () => {
    await page.goto(`${BASE}/#/signin`, { waitUntil: 'domcontentloaded' });
    await page.getByTestId('signin-username').fill(USER);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="side-nav"] [data-nav="sla-rules"]').click();
    await page.waitForURL(/#\/sla-rules$/);
    await page.getByTestId('slarules-page').waitFor();
    expect((await text(page.locator('.page-title'))) === '时限规则', 'page title');
    await cell().getByTestId('rule-goal').waitFor();
    const shown = await text(cell());
    expect(shown.includes('7 个工作日'), `financing resolution shows "${shown}"`);
    const land = await text(page.getByTestId('rule-land_space-resolution'));
    expect(land.includes('15 个工作日') && land.includes('本类型规则'), `land_space shows "${land}"`);
  });

  await check('a warning share of 100 % is refused on that field and nothing changes', async () => {
    await cell().getByTestId('rule-edit').click();
    const warn = cell().getByTestId('rule-warn').locator('input');
    await warn.fill('100');
    await warn.press('Tab');
    await cell().getByTestId('rule-save').click();
    const err = cell().locator('.el-form-item__error').first();
    await err.waitFor();
    const msg = await text(err);
    expect(msg.includes('预警比例'), `field error "${msg}"`);
    console.log(`    error on the warning share: ${msg}`);
    await page.screenshot({ path: path.join(SHOTS, 'slarules-error.png') });
    const rule = await apiRule();
    expect(rule.goal.amount === 7 && rule.warn_share === 0.8 && !rule.stored, `rule changed: ${JSON.stringify(rule)}`);
    await cell().getByTestId('rule-cancel').click();
  });

  await check('the resolution goal of financing is set to 9 working hours, warning at 50 %', async () => {
    await cell().getByTestId('rule-edit').click();
    const amount = cell().getByTestId('rule-amount').locator('input');
    await amount.fill('9');
    await amount.press('Tab');
    await pickOption(page, cell().getByTestId('rule-unit'), '工作小时');
    const warn = cell().getByTestId('rule-warn').locator('input');
    await warn.fill('50');
    await warn.press('Tab');
    await cell().getByTestId('rule-save').click();
    // The page offers to recompute the open appeals' clocks.
    const box = page.locator('.el-message-box');
    await box.waitFor();
    expect((await text(box)).includes('重算'), 'recompute prompt');
    await box.locator('.el-button--primary').click();
    const shown = await text(cell());
    expect(shown.includes('9 个工作小时') && shown.includes('50%') && shown.includes('本类型规则'), `cell shows "${shown}"`);
  });

  await check('the recomputation runs to "done" with its counts', async () => {
    const status = page.getByTestId('recompute-status');
    await page.locator('[data-testid="recompute-status"][data-state="done"]').waitFor({ timeout: 60000 });
    const s = await text(status);
    expect(s.includes('已完成'), `status "${s}"`);
    console.log(`    ${s}`);
  });

  await check('the history shows who changed what, old → new, and the API has the new rule', async () => {
    const change = page.getByTestId('history-change').first();
    await change.waitFor();
    const h = await text(change);
    expect(h.includes('7 个工作日') && h.includes('9 个工作小时'), `history "${h}"`);
    const row = await text(page.getByTestId('slarules-history').locator('tbody tr').first());
    expect(row.includes('运营') || row.includes('operator') || row.length > 0, 'history row');
    const rule = await apiRule();
    expect(rule.goal.amount === 9 && rule.goal.unit === 'working_hours' && rule.warn_share === 0.5 && rule.source === 'type',
      `API rule ${JSON.stringify(rule)}`);
    await toastsGone(page);
    await page.screenshot({ path: path.join(SHOTS, 'slarules.png'), fullPage: true });
  });

  await check('no uncaught page errors', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  await browser.close();
}
runner.finish();
