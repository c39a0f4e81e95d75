// Browser test of a park's buildings (楼栋) and units (单元) on the parks page, as an operator,
// against a running kechan server with the demo data: the occupancy chart comes from ONE request
// (GET /api/v1/parks/{id}/occupancy/series) and can show one building (pickOption); the
// export buttons download the register as CSV; the upload dialog imports a buildings file
// (kind "buildings"): a bad file lists its bad rows (row, column, reason) and writes nothing, a
// good one imports with a progress bar and the new building appears in the table and the chart's
// building list. Saves buildings-import.png and buildings.png (zh-CN).
//
// Env: KECHAN_URL, KECHAN_USER (an operator), KECHAN_PASSWORD, SCREENSHOT_DIR, CHROMIUM.
// Prints "e2e-buildings: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';

import { createRunner, expect, openPage, pickOption, readEnv, text, toastsGone } from './harness.mjs';

const env = readEnv('e2e-buildings');
const { BASE, USER, PASSWORD, SHOTS } = env;
const runner = createRunner('e2e-buildings');
const check = runner.check;
const { browser, page, pageErrors } = await openPage('e2e-buildings', env, { width: 1440, height: 900 });

// Requests the page makes, by kind, to count the chart's.
const requests = [];
page.on('request', (r) => requests.push(r.url()));
const count = (re) => requests.filter((u) => re.test(u)).length;
const tableRows = (panel) =>
  panel.locator('[data-testid="buildings-table"] > .el-table__inner-wrapper > .el-table__body-wrapper tbody > tr.el-table__row');

console.log(`e2e-buildings: parks page buildings against ${BASE} as ${USER}, screenshots in ${SHOTS}`);
try {
  await check('signs in', async () => {
    await page.goto(`${BASE}/#/signin`, { waitUntil: 'domcontentloaded' });
    await page.getByTestId('signin-username').fill(USER);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="side-nav"] [data-nav="parks"]').waitFor();
  });

  let parkName = '';
  let before = 0;
  await check('the occupancy chart of the chosen park comes from one series request', async () => {
    requests.length = 0;
    await page.goto(`${BASE}/#/parks`);
    const panel = page.getByTestId('park-buildings');
    await panel.waitFor();
    await tableRows(panel).first().waitFor();
    await panel.locator('[data-testid="buildings-chart"] canvas').first().waitFor();
    await page.waitForLoadState('networkidle');
    const series = count(/\/api\/v1\/parks\/\d+\/occupancy\/series\?/);
    const perDate = count(/\/api\/v1\/parks\/\d+\/buildings\?/);
    expect(series === 1, `${series} series requests`);
    expect(perDate <= 1, `${perDate} buildings requests (the chart must not ask per month)`);
    const title = await text(panel.locator('.section-title').first());
    parkName = title.split(' · ')[0];
    expect(parkName.length > 0, `panel title "${title}"`);
    before = await tableRows(panel).count();
    console.log(`    park ${parkName}: ${before} building(s); ${series} series request, ${perDate} table request`);
  });

  await check('the chart shows one building when picked, and the whole park again', async () => {
    const panel = page.getByTestId('park-buildings');
    const firstBuilding = (await tableRows(panel).first().locator('td').nth(1).textContent()).trim();
    requests.length = 0;
    await pickOption(page, panel.getByTestId('series-of'), firstBuilding);
    await panel.locator('[data-testid="buildings-chart"] canvas').first().waitFor();
    expect(count(/occupancy\/series/) === 0, 'picking a building asked the server again');
    const label = await text(panel.getByTestId('series-of'));
    expect(label.includes(firstBuilding), `the select shows "${label}", not ${firstBuilding}`);
    await pickOption(page, panel.getByTestId('series-of'), '全园区');
  });

  await check('the export button downloads the register in the import columns', async () => {
    const href = await page.getByTestId('buildings-export-csv').getAttribute('href');
    expect(/\/api\/v1\/parks\/\d+\/buildings\?format=csv/.test(href || ''), `export href ${href}`);
    const body = await page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).text(), href);
    const header = body.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
    expect(header === 'park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,uscc,valid_from,valid_to,source,source_date', `header ${header}`);
    expect(body.includes(parkName), 'the export does not name the park');
  });

  const name = `E2E 楼 ${Date.now() % 100000}`;
  await check('a bad buildings file lists its bad rows and imports nothing', async () => {
    const panel = page.getByTestId('park-buildings');
    await panel.getByTestId('buildings-import').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.waitFor();
    expect((await text(dialog.getByTestId('import-kind'))).includes('楼栋'), 'the dialog does not say buildings');
    const bad =
      'park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,uscc\n' +
      `${parkName},${name},6,2000,1F-01,1,500,production,2026-01-31,1,0,\n` +
      `${parkName},${name},,,9F-01,9,300,office,,,,\n` +
      `没有的园区,X 栋,3,900,,,,,,,,\n`;
    await page.getByTestId('import-file').setInputFiles({ name: 'bad-buildings.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-errors').locator('tbody tr').first().waitFor();
    const rows = await page.getByTestId('import-errors').locator('tbody tr').count();
    const first = (await page.getByTestId('import-errors').locator('tbody tr').first().locator('td').allTextContents()).map((c) => c.trim());
    expect(rows === 2, `${rows} error rows`);
    expect(first[0] === '3' && first[1] === 'floor' && first[2] === 'out_of_range', `first error ${JSON.stringify(first)}`);
    const state = await text(page.getByTestId('import-state'));
    expect(state.includes('未导入'), `state "${state}"`);
    await page.waitForTimeout(300);
    await dialog.screenshot({ path: path.join(SHOTS, 'buildings-import.png') });
    expect((await tableRows(panel).count()) === before, 'the bad file changed the table');
  });

  await check('a good buildings file imports with progress and the building appears', async () => {
    const good =
      'park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,uscc\n' +
      `${parkName},${name},6,2000,1F-01,1,500,production,2025-12-31,1,0,\n` +
      `${parkName},${name},,,1F-01,,,,2026-01-31,1,1,\n` +
      `${parkName},${name},,,2F-01,2,800,office,2026-01-31,1,0,\n`;
    await page.getByTestId('import-file').setInputFiles({ name: 'buildings.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByTestId('import-submit').click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="import-summary"]');
      return el && /单元 2 个/.test(el.textContent);
    });
    const progress = await page.getByTestId('import-progress').locator('.el-progress__text, .el-progress-bar__innerText').first().textContent();
    expect(/100/.test(progress || ''), `progress reads "${progress}"`);
    console.log(`    ${await text(page.getByTestId('import-state'))}; ${await text(page.getByTestId('import-summary'))}`);
    await page.getByTestId('import-dialog').locator('.el-dialog__footer button').first().click();
    const panel = page.getByTestId('park-buildings');
    await page.waitForFunction((nm) => document.querySelector('[data-testid="buildings-table"]').textContent.includes(nm), name);
    expect((await tableRows(panel).count()) === before + 1, 'the new building is not listed');
    await pickOption(page, panel.getByTestId('series-of'), name);
    await panel.locator('[data-testid="buildings-chart"] canvas').first().waitFor();
    await pickOption(page, panel.getByTestId('series-of'), '全园区');
  });

  await check('the page reads well in Chinese (screenshot)', async () => {
    const panel = page.getByTestId('park-buildings');
    await panel.scrollIntoViewIfNeeded();
    await toastsGone(page);
    await page.waitForTimeout(700); // chart animation
    await panel.screenshot({ path: path.join(SHOTS, 'buildings.png') });
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  if (runner.stopped) {
    await page.screenshot({ path: path.join(SHOTS, 'buildings-failure.png'), fullPage: true }).catch(() => {});
    console.log(`    failure screenshot: ${path.join(SHOTS, 'buildings-failure.png')}`);
  }
  await browser.close();
}

runner.finish();
