// Browser test of the group-robot targets page (operators): the sidebar entry opens it; a DingTalk
// robot with a signing secret is added (the secret shows only as "set"), a bad webhook URL is
// refused with the error on the URL field and nothing added, the robot is switched off and deleted.
// Saves notify-targets.png and notify-targets-form.png.
//
// Env: KECHAN_URL, KECHAN_USER (an operator, e.g. demo-operator), KECHAN_PASSWORD,
//      SCREENSHOT_DIR (default ./screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints "e2e-targets: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';

import { createRunner, expect, openPage, pickOption, readEnv, text, toastsGone } from './harness.mjs';

const env = readEnv('e2e-targets');
const { BASE, USER, PASSWORD, SHOTS } = env;
const runner = createRunner('e2e-targets');
const check = runner.check;
const { browser, page, pageErrors } = await openPage('e2e-targets', env, { width: 1366, height: 860 });
const rows = () => page.locator('[data-testid="targets-table"] tbody tr.el-table__row');
const NAME = '高新区企业服务群（测试）';

console.log(`e2e-targets: robot targets against ${BASE} as ${USER}, screenshots in ${SHOTS}`);
try {
  await check('the operator opens "group robots" from the sidebar', async () => {
    await page.goto(`${BASE}/#/signin`, { waitUntil: 'domcontentloaded' });
    await page.getByTestId('signin-username').fill(USER);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="side-nav"] [data-nav="notify-targets"]').click();
    await page.waitForURL(/#\/notify\/targets$/);
    await page.getByTestId('targets-page').waitFor();
    expect((await text(page.locator('.title'))) === '群机器人', 'page title');
  });

  const before = await rows().count();
  await check('a bad webhook URL is refused on the URL field and nothing is added', async () => {
    await page.getByTestId('targets-new').click();
    await page.getByTestId('targets-name').fill(NAME);
    await page.getByTestId('targets-url').fill('not a url');
    await pickOption(page, page.getByTestId('targets-scope'), '产业链');
    await pickOption(page, page.getByTestId('targets-scope-value'), '');
    await page.getByTestId('targets-save').click();
    const err = page.locator('[data-testid="targets-dialog"] .el-form-item__error').first();
    await err.waitFor();
    const msg = await text(err);
    expect(msg.length > 0, 'no field error');
    console.log(`    error on the URL field: ${msg}`);
    await page.screenshot({ path: path.join(SHOTS, 'notify-targets-form.png') });
    expect((await rows().count()) === before, 'a row was added');
  });

  await check('a DingTalk robot with a secret is added; the secret shows only as "set"', async () => {
    await page.getByTestId('targets-channel').locator('.el-radio-button').filter({ hasText: '钉钉' }).click();
    await page.getByTestId('targets-url').fill('https://oapi.dingtalk.com/robot/send?access_token=e2etesttoken123');
    await page.getByTestId('targets-secret').fill('SECe2e-secret-value');
    await page.getByTestId('targets-save').click();
    await page.getByTestId('targets-dialog').waitFor({ state: 'hidden' });
    const row = rows().filter({ hasText: NAME });
    await row.waitFor();
    const cells = await text(row);
    expect(cells.includes('已设置'), `row "${cells}"`);
    expect(!cells.includes('SECe2e'), 'secret shown');
    expect(cells.includes('access_token=e2et…'), `url not masked: "${cells}"`);
    await toastsGone(page);
    await page.screenshot({ path: path.join(SHOTS, 'notify-targets.png'), fullPage: true });
  });

  await check('the robot is switched off and deleted', async () => {
    const row = rows().filter({ hasText: NAME });
    await row.locator('.el-switch').click();
    await row.locator('.el-switch.is-checked').waitFor({ state: 'detached' });
    await row.getByText('删除').click();
    await page.locator('.el-message-box .el-button--primary').click();
    await rows().filter({ hasText: NAME }).waitFor({ state: 'detached' });
    expect((await rows().count()) === before, 'row count after delete');
  });

  await check('no uncaught page errors', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  await browser.close();
}
runner.finish();
