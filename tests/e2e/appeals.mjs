// Browser test of the appeals pages (政企服务诉求闭环) against a running kechan server with the
// demo data, driven through Debian's chromium by playwright-core. As the demo enterprise it files
// an appeal (an empty form is refused on the type field first) and finds it under "my appeals";
// as the duty director it dispatches it from the queue to the officer's department; as the
// officer it finds it in the queue with its SLA colour, signs for it, contacts the enterprise and
// pauses it waiting for the enterprise (the dialog first refuses a missing reason on that field),
// after which the SLA reads "paused"; the timeline names actors (not "user:N"); the officer
// resumes and replies; it then opens the service dashboard (KPI cards, chart) and the reception
// calendar. The operator passes the platform check; another enterprise gets 404 and a colleague
// 403 trying to answer the visit; the enterprise answers it on its page (resolved, satisfaction,
// comment); the operator's catalogue import refuses a bad file with row/column errors and takes
// the export back unchanged. Screenshots: appeal-new.png, my-appeals.png, appeal-dispatch.png,
// appeal-queue-names.png (the director's queue: every row names its enterprise),
// appeal-queue.png, appeal-wait-dialog.png, appeal-officer.png, service-dashboard.png,
// receptions.png, appeal-visit-dialog.png, appeal-visit-answered.png,
// catalogue-import-errors.png, catalogue.png (appeals-failure.png on a failure).
//
// Env: KECHAN_URL, KECHAN_USER (any demo user; the test signs in as the three below),
//      KECHAN_PASSWORD (the demo password), SCREENSHOT_DIR, CHROMIUM;
//      optional KECHAN_ENTERPRISE_USER (demo-enterprise), KECHAN_DIRECTOR_USER (demo-director),
//      KECHAN_OFFICER_USER (demo-officer).
// Prints "e2e-appeals: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';

import { createRunner, expect, openPage, pickOption as pickFrom, readEnv, text, toastsGone } from './harness.mjs';

const TAG = 'e2e-appeals';
const env = readEnv(TAG);
const { BASE, PASSWORD, SHOTS } = env;
const ENTERPRISE = process.env.KECHAN_ENTERPRISE_USER || 'demo-enterprise';
const DIRECTOR = process.env.KECHAN_DIRECTOR_USER || 'demo-director';
const OFFICER = process.env.KECHAN_OFFICER_USER || 'demo-officer';
const OPERATOR = process.env.KECHAN_OPERATOR_USER || 'demo-operator';
// firm-staff-1 works for demo-enterprise's firm; firm-staff-2 for another one (src/app/demo.cc).
const COLLEAGUE = process.env.KECHAN_COLLEAGUE_USER || 'firm-staff-1';
const OTHER_FIRM = process.env.KECHAN_OTHER_FIRM_USER || 'firm-staff-2';
const runner = createRunner(TAG);
const check = runner.check;
const { browser, page, pageErrors } = await openPage(TAG, env, { width: 1440, height: 900 });
const shot = async (name) => {
  await toastsGone(page);
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
};
const title = `E2E 诉求 ${Date.now()}：厂房扩建用地审批进度`;
let appealId = 0;

/** Signs out whoever is signed in (cookie dropped) and signs in as `user`. */
async function signInAs(user) {
  await page.context().clearCookies();
  // A fresh document (new query string) so the app forgets the previous session.
  await page.goto(`${BASE}/?as=${encodeURIComponent(user)}#/signin`, { waitUntil: 'domcontentloaded' });
  await page.getByTestId('signin-username').waitFor({ state: 'visible' });
  await page.getByTestId('signin-username').fill(user);
  await page.getByTestId('signin-password').fill(PASSWORD);
  await page.getByTestId('signin-submit').click();
  await page.locator('[data-testid="welcome-title"], [data-testid="problem-text"]').first().waitFor({ state: 'visible' });
  const refused = page.getByTestId('problem-text');
  if (await refused.isVisible()) {
    expect(false, `sign-in as ${user} was refused: "${await text(refused)}"`);
  }
}

/** The text box behind `testid` (Element Plus puts attributes on the inner input or the wrapper). */
const field = (testid) =>
  page
    .locator(`input[data-testid="${testid}"], textarea[data-testid="${testid}"], [data-testid="${testid}"] input, [data-testid="${testid}"] textarea`)
    .first();

/** Picks the first option of the Element Plus select `testid` (or the one containing `label`). */
async function pickOption(testid, label) {
  const select = page.locator(`.el-select[data-testid="${testid}"], .el-select:has([data-testid="${testid}"])`).first();
  await pickFrom(page, select, label);
}

/** Clicks the action button `action` on the appeal page and waits for its dialog. */
async function openAction(action) {
  const button = page.locator(`[data-testid="appeal-actions"] [data-action="${action}"]`);
  await button.waitFor({ timeout: 8000 }).catch(() => {});
  if (!(await button.count())) {
    const offered = await page.locator('[data-testid="appeal-actions"] [data-action]').evaluateAll((els) => els.map((e) => e.dataset.action));
    expect(false, `action "${action}" is not offered; offered: ${JSON.stringify(offered)}`);
  }
  await button.click();
  await page.getByTestId('action-dialog').waitFor({ state: 'visible' });
}

/** Submits the open action dialog and waits until the appeal reaches `state`. */
async function submitAndExpectState(state) {
  await page.getByTestId('action-submit').click();
  await page.waitForFunction((s) => document.querySelector('[data-testid="appeal-state"]')?.dataset.state === s, state, { timeout: 10000 }).catch(() => {});
  const now = await page.getByTestId('appeal-state').getAttribute('data-state');
  if (now !== state) {
    const problem = await page.locator('[data-testid="action-dialog"] [data-testid="problem-text"], [data-testid="action-dialog"] .el-form-item__error').allTextContents();
    expect(false, `the appeal is in "${now}", expected "${state}"; dialog says ${JSON.stringify(problem)}`);
  }
}

console.log(`${TAG}: appeal pages against ${BASE} as ${ENTERPRISE}, ${DIRECTOR} and ${OFFICER}; screenshots in ${SHOTS}`);
try {
  await check('the enterprise sees "my appeals" and its filing page', async () => {
    await signInAs(ENTERPRISE);
    await page.locator('[data-testid="side-nav"] [data-nav="my-appeals"]').click();
    await page.waitForURL(/#\/my-appeals/);
    await page.getByTestId('appeal-table').waitFor();
    expect((await page.locator('[data-testid="side-nav"] [data-nav="appeals"]').count()) === 0, 'an enterprise sees the officers’ queue in the sidebar');
    await page.getByTestId('appeal-new').click();
    await page.waitForURL(/#\/appeals\/new/);
    await page.getByTestId('appeal-form').waitFor();
  });

  await check('an empty appeal form is refused on the type field, nothing is filed', async () => {
    const before = await page.evaluate(async () => (await (await fetch('/api/v1/appeals?page_size=1')).json()).total);
    await page.getByTestId('appeal-submit').click();
    const err = page.locator('.el-form-item.is-error .el-form-item__error').first();
    await err.waitFor();
    const msg = await text(err);
    expect(msg.includes('诉求类型'), `the error names "${msg}", not the type field`);
    const after = await page.evaluate(async () => (await (await fetch('/api/v1/appeals?page_size=1')).json()).total);
    expect(after === before, `the appeal count changed from ${before} to ${after}`);
  });

  await check('the enterprise files an appeal and lands on its page in state "received"', async () => {
    await pickOption('appeal-type', '用地');
    await field('appeal-title-input').fill(title);
    await field('appeal-body').fill('（合成演示数据）我司拟扩建二期厂房，用地预审材料已提交一个月，希望协调加快审批。');
    await pickOption('appeal-chain');
    await shot('appeal-new.png');
    await page.getByTestId('appeal-submit').click();
    await page.waitForURL(/#\/appeals\/\d+$/);
    appealId = Number(page.url().match(/appeals\/(\d+)$/)[1]);
    expect((await text(page.getByTestId('appeal-title'))) === title, 'the appeal page shows another title');
    const state = await page.getByTestId('appeal-state').getAttribute('data-state');
    expect(state === 'received', `a new appeal is in state "${state}"`);
    console.log(`    appeal ${appealId} filed`);
  });

  await check('"my appeals" lists the new appeal with its state and SLA tag', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="my-appeals"]').click();
    await page.waitForURL(/#\/my-appeals/);
    const link = page.getByTestId(`appeal-link-${appealId}`);
    await link.waitFor();
    const row = page.locator('[data-testid="appeal-table"] tr.el-table__row', { has: link });
    expect((await row.locator('.sla-tag').count()) === 1, 'the row has no SLA tag');
    await shot('my-appeals.png');
  });

  await check('the duty director dispatches it from the queue to a department', async () => {
    await signInAs(DIRECTOR);
    await page.locator('[data-testid="side-nav"] [data-nav="appeals"]').click();
    await page.waitForURL(/#\/appeals$/);
    await page.getByTestId('appeal-table').locator('tr.el-table__row').first().waitFor();
    // The queue names every row's enterprise (from the API's org_name), never "#<id>".
    const orgs = (await page.locator('[data-testid^="appeal-org-"]').allInnerTexts()).map((o) => o.trim());
    expect(orgs.length > 0, 'the queue shows no enterprise cells');
    const bare = orgs.filter((o) => !o || /^#\d+$/.test(o));
    expect(bare.length === 0, `queue rows show the enterprise as an id: ${JSON.stringify(bare.slice(0, 5))}`);
    await shot('appeal-queue-names.png');
    // Hundreds of demo appeals come first by due time; the keyword filter finds the new one.
    await field('appeal-q').fill(title);
    await field('appeal-q').press('Enter');
    await page.getByTestId(`appeal-link-${appealId}`).click();
    await page.waitForURL(new RegExp(`#/appeals/${appealId}$`));
    const orgName = await text(page.getByTestId('appeal-org-name'));
    expect(orgName && orgName !== '—' && !/^#\d+$/.test(orgName), `the appeal page names the enterprise "${orgName}"`);
    await openAction('dispatch');
    const lead = page.locator('[data-testid="action-dialog"] [data-field="lead_unit"]');
    // Dispatch to the director's own department, which is also the demo officer's.
    const sess = await page.evaluate(async () => (await fetch('/api/v1/session')).json());
    const dept = (sess.roles || []).find((r) => r.role === 'duty_director');
    expect(dept, `the director has no department: ${JSON.stringify(sess.roles)}`);
    await pickOption('action-field-lead_unit', `(#${dept.org_id})`);
    expect((await text(lead)).includes(`(#${dept.org_id})`), `lead unit reads "${await text(lead)}"`);
    await shot('appeal-dispatch.png');
    await submitAndExpectState('dispatched');
  });

  await check('the officer finds it in the queue with an SLA colour, sorted by due time', async () => {
    await signInAs(OFFICER);
    await page.locator('[data-testid="side-nav"] [data-nav="appeals"]').click();
    await page.waitForURL(/#\/appeals$/);
    await page.getByTestId('appeal-table').locator('tr.el-table__row').first().waitFor();
    // The officer's queue: open appeals of the officer's department, soonest due first.
    await page.locator('.el-select:has([data-testid="appeal-filter-state"]), .el-select[data-testid="appeal-filter-state"]').first().click();
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').first().click(); // "open"
    await page.keyboard.press('Escape');
    await field('appeal-q').fill(title);
    await field('appeal-q').press('Enter');
    const link = page.getByTestId(`appeal-link-${appealId}`);
    await link.waitFor();
    const row = page.locator('[data-testid="appeal-table"] tr.el-table__row', { has: link });
    const sla = await row.locator('.sla-tag').getAttribute('data-sla');
    expect(['green', 'yellow', 'red'].includes(sla), `a dispatched appeal shows SLA "${sla}"`);
    const org = await text(row.getByTestId(`appeal-org-${appealId}`));
    expect(org && !/^#\d+$/.test(org), `the queue row names the enterprise "${org}"`);
    const counts = await text(page.getByTestId('appeal-counts'));
    expect(/\d/.test(counts), `colour counts read "${counts}"`);
    await shot('appeal-queue.png');
    console.log(`    queue row SLA: ${sla}`);
  });

  await check('the officer signs for it and contacts the enterprise', async () => {
    await page.getByTestId(`appeal-link-${appealId}`).click();
    await page.waitForURL(new RegExp(`#/appeals/${appealId}$`));
    await openAction('sign_for');
    await page.getByTestId('action-confirm').waitFor();
    await submitAndExpectState('signed_for');
    await openAction('contact');
    await field('action-field-note').fill('已电话联系企业负责人，了解用地预审进展。');
    await submitAndExpectState('in_progress');
  });

  await check('waiting for the enterprise asks for reason and date, refuses a missing reason, then pauses the clock', async () => {
    await openAction('wait_for_enterprise');
    const fields = await page.locator('[data-testid="action-dialog"] [data-field]').evaluateAll((els) => els.map((e) => e.dataset.field));
    expect(JSON.stringify(fields) === JSON.stringify(['reason', 'expected_date']), `the dialog asks for ${JSON.stringify(fields)}`);
    await page.getByTestId('action-submit').click();
    const err = page.locator('[data-testid="action-dialog"] [data-field="reason"] .el-form-item__error');
    await err.waitFor();
    expect((await text(err)).includes('原因'), `the reason error reads "${await text(err)}"`);
    expect((await page.getByTestId('appeal-state').getAttribute('data-state')) === 'in_progress', 'the state changed after a refused action');
    await field('action-field-reason').fill('等待企业补充用地红线图');
    const d = new Date(Date.now() + 10 * 86400000);
    const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const dateInput = page.locator('[data-testid="action-dialog"] [data-field="expected_date"] input').first();
    await dateInput.fill(date);
    await dateInput.press('Enter');
    await shot('appeal-wait-dialog.png');
    await submitAndExpectState('waiting_for_enterprise');
    await page.waitForFunction(() => document.querySelector('[data-testid="appeal-sla"]')?.dataset.sla === 'paused', null, { timeout: 5000 }).catch(() => {});
    const sla = await page.getByTestId('appeal-sla').getAttribute('data-sla');
    expect(sla === 'paused', `SLA after waiting for the enterprise is "${sla}"`);
    const timeline = await text(page.getByTestId('appeal-timeline'));
    expect(timeline.includes('等待企业补充用地红线图'), 'the timeline lacks the waiting reason');
    expect((await page.locator('[data-testid="appeal-clocks"] [data-clock]').count()) > 0, 'no clocks are shown');
    await shot('appeal-officer.png');
  });

  await check('the timeline names the actors and their organisations, not "user:N"', async () => {
    const actors = await page.getByTestId('timeline-actor').allTextContents();
    expect(actors.length > 0, 'no timeline actors');
    expect(!actors.some((a) => /user:\d+/.test(a)), `raw actor ids shown: ${JSON.stringify(actors)}`);
    expect(actors.some((a) => /（.+）/.test(a)), `no organisation next to a name: ${JSON.stringify(actors)}`);
  });

  await check('the officer resumes the appeal and replies', async () => {
    await openAction('resume');
    await submitAndExpectState('in_progress');
    await openAction('reply');
    await field('action-field-reply').fill('已协调自然资源部门，用地预审已于本周通过。');
    await submitAndExpectState('replied');
  });

  await check('the service dashboard shows the three rates with a chart', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="service-dashboard"]').click();
    await page.waitForURL(/#\/service-dashboard/);
    await page.getByTestId('metrics-kpis').waitFor();
    const kpis = await page.locator('[data-testid="metrics-kpis"] [data-kpi]').count();
    expect(kpis === 4, `${kpis} KPI cards`);
    const href = await page.getByTestId('metrics-export').getAttribute('href');
    expect(href.startsWith('/api/v1/appeals/metrics.xlsx?'), `export link ${href}`);
    const ct = await page.evaluate(async (h) => (await fetch(h)).headers.get('content-type'), href);
    expect(/spreadsheetml/.test(ct || ''), `the export answered ${ct}`);
    await page.locator('[data-testid="metrics-chart"] canvas, [data-testid="metrics-trend"] canvas').first().waitFor();
    await shot('service-dashboard.png');
  });

  await check('the reception calendar shows a week with duty directors and slots', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="receptions"]').click();
    await page.waitForURL(/#\/receptions/);
    await page.getByTestId('reception-week').waitFor();
    const days = await page.locator('[data-testid="reception-week"] [data-date]').count();
    expect(days === 7, `${days} days in the week`);
    await shot('receptions.png');
  });

  await check('the operator passes the platform check; the appeal waits for the follow-up visit', async () => {
    await signInAs(OPERATOR);
    await page.goto(`${BASE}/#/appeals/${appealId}`);
    await page.getByTestId('appeal-title').waitFor();
    await openAction('begin_check');
    await submitAndExpectState('platform_check');
    await openAction('pass_check');
    await submitAndExpectState('follow_up');
  });

  await check('another enterprise cannot read or answer the visit (404) and a colleague cannot answer for the requester (403)', async () => {
    const tryAs = async (user) => {
      await signInAs(user);
      return page.evaluate(async (id) => {
        const s = await (await fetch('/api/v1/session')).json();
        const read = (await fetch(`/api/v1/appeals/${id}`)).status;
        const detail = read === 200 ? await (await fetch(`/api/v1/appeals/${id}`)).json() : null;
        const requester = detail ? detail.requesters[0].user_id : 1;
        const res = await fetch(`/api/v1/appeals/${id}/actions/record_visit`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token || '' },
          body: JSON.stringify({ requester, resolved: 'no', satisfaction: 'not' }),
        });
        return { read, answer: res.status, body: await res.text() };
      }, appealId);
    };
    const other = await tryAs(OTHER_FIRM);
    expect(other.read === 404 && other.answer === 404, `another enterprise got read ${other.read}, answer ${other.answer}: ${other.body}`);
    const colleague = await tryAs(COLLEAGUE);
    expect(colleague.answer === 403, `a colleague got ${colleague.answer}: ${colleague.body}`);
    expect(colleague.body.includes('requester'), `the 403 does not name the requester: ${colleague.body}`);
  });

  await check('the enterprise answers the follow-up visit on its appeal page', async () => {
    await signInAs(ENTERPRISE);
    await page.goto(`${BASE}/#/appeals/${appealId}`);
    await page.getByTestId('visit-card').waitFor();
    await page.getByTestId('visit-answer').click();
    await page.getByTestId('action-dialog').waitFor({ state: 'visible' });
    const fields = await page.locator('[data-testid="action-dialog"] [data-field]').evaluateAll((els) => els.map((e) => e.dataset.field));
    expect(JSON.stringify(fields) === JSON.stringify(['requester', 'resolved', 'satisfaction', 'comment']), `the visit dialog asks for ${JSON.stringify(fields)}`);
    await page.locator('[data-testid="action-dialog"] [data-field="resolved"] label').filter({ hasText: '已解决' }).first().click();
    await page.locator('[data-testid="action-dialog"] [data-field="satisfaction"] label').filter({ hasText: '基本满意' }).first().click();
    await field('action-field-comment').fill('办理及时，希望后续加强进度通报。');
    await shot('appeal-visit-dialog.png');
    await page.getByTestId('action-submit').click();
    await page.getByTestId('visit-comment').waitFor({ timeout: 10000 });
    expect((await text(page.getByTestId('visit-comment'))).includes('加强进度通报'), 'the comment is not shown');
    expect((await text(page.getByTestId('visit-channel'))).includes('企业自评'), 'the answer is not marked as the enterprise’s');
    expect((await page.getByTestId('visit-card').count()) === 0, 'the visit card is still offered after answering');
    await shot('appeal-visit-answered.png');
  });

  await check('the catalogue import refuses a bad file with row, column and reason, then imports the export back', async () => {
    await signInAs(OPERATOR);
    await page.locator('[data-testid="side-nav"] [data-nav="appeal-catalogue"]').click();
    await page.waitForURL(/#\/appeal-catalogue/);
    await page.getByTestId('catalogue-table').waitFor();
    const count = async () => page.evaluate(async () => (await (await fetch('/api/v1/appeal-catalogue')).json()).items.length);
    const before = await count();
    await page.getByTestId('catalogue-import-input').setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('type,district,lead_unit\nutilities,高新区,没有这个部门\nteleport,,1\n'),
    });
    await page.getByTestId('catalogue-import-errors').waitFor();
    const errs = await page.getByTestId('catalogue-import-error').allTextContents();
    expect(errs[0].includes('第 2 行') && errs[0].includes('lead_unit'), `first error reads "${errs[0]}"`);
    expect(errs.some((e) => e.includes('第 3 行') && e.includes('type')), `no type error on row 3: ${JSON.stringify(errs)}`);
    expect((await count()) === before, 'a refused import changed the catalogue');
    await shot('catalogue-import-errors.png');
    const csv = await page.evaluate(async () => (await fetch('/api/v1/appeal-catalogue/export.csv')).text());
    expect(csv.includes('lead_unit_name'), 'the export lacks its columns');
    await page.getByTestId('catalogue-import-input').setInputFiles({ name: 'catalogue.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForFunction(() => !document.querySelector('[data-testid="catalogue-import-errors"]'), null, { timeout: 10000 }).catch(() => {});
    expect((await page.getByTestId('catalogue-import-errors').count()) === 0, 'the exported file was refused');
    expect((await count()) === before, 'importing the export changed the number of entries');
    await shot('catalogue.png');
  });

  await check('no uncaught errors in the page', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  if (runner.stopped) {
    await page.screenshot({ path: path.join(SHOTS, 'appeals-failure.png'), fullPage: true }).catch(() => {});
    console.log(`    failure screenshot: ${path.join(SHOTS, 'appeals-failure.png')}`);
  }
  await browser.close();
}

runner.finish();
