// Browser test of the industrial-chain pages against a running kechan server (demo data), with
// Debian's chromium (headless) driven by playwright-core: signs in, opens the chain list, the
// first chain (graph canvas, gap list, coverage), filters firms by clicking a node, opens the
// enterprise list (rows, paging) and a profile, and saves chain.png and enterprises.png. As an
// operator it also exports the enterprise list (CSV/.xlsx headers), imports chains/nodes through
// the upload dialog (a bad file is rejected with row errors, a good one imported with progress;
// import.png), checks the workbench's diff section (diff.png), the parks page's buildings and
// units (parks.png; adding a building with a field error, building-error.png) and the projects page.
//
// Env: KECHAN_URL (base URL, e.g. http://127.0.0.1:8080), KECHAN_USER (a user with chain details:
//      officer, duty director, chain chief or operator), KECHAN_PASSWORD,
//      SCREENSHOT_DIR (default ./screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints "e2e-chain: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';

import { createRunner, expect, openPage, readEnv, text, toastsGone } from './harness.mjs';

const env = readEnv('e2e-chain');
const { BASE, USER, PASSWORD, SHOTS } = env;
const runner = createRunner('e2e-chain');
const check = runner.check;
const rowCount = (page, testid) => page.locator(`[data-testid="${testid}"] .el-table__body-wrapper tbody tr.el-table__row`).count();
const { browser, page, pageErrors } = await openPage('e2e-chain', env, { width: 1440, height: 900 });

console.log(`e2e-chain: chain pages against ${BASE} as ${USER}, screenshots in ${SHOTS}`);
try {
  await check('signs in', async () => {
    const res = await page.goto(`${BASE}/#/signin`, { waitUntil: 'domcontentloaded' });
    expect(res && res.ok(), `GET ${BASE}/ answered ${res ? res.status() : 'nothing'}`);
    await page.getByTestId('signin-username').fill(USER);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.locator('[data-testid="welcome-title"], [data-testid="problem-text"]').first().waitFor({ state: 'visible' });
    const refused = page.getByTestId('problem-text');
    if (await refused.isVisible()) {
      expect(false, `sign-in as ${USER} was refused: "${await text(refused)}"`);
    }
    await page.locator('[data-testid="side-nav"] [data-nav="chains"]').waitFor();
  });

  let chainName = '';
  await check('the chain list shows chains with codes and counts', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="chains"]').click();
    await page.waitForURL(/#\/chains$/);
    await page.locator('[data-testid="chain-table"] tbody tr.el-table__row').first().waitFor();
    const n = await rowCount(page, 'chain-table');
    expect(n > 0, 'the chain table has no rows');
    const first = page.locator('[data-testid="chain-table"] tbody tr.el-table__row').first();
    const cells = (await first.locator('td').allTextContents()).map((s) => s.trim());
    expect(cells.some((c) => /^[A-Z][A-Z0-9-]+$/.test(c)), `no chain code in the first row: ${JSON.stringify(cells)}`);
    chainName = cells[2] || '';
    console.log(`    ${n} chains; first: ${JSON.stringify(cells)}`);
  });

  await check('the first chain shows its graph, coverage and gap list', async () => {
    await page.locator('[data-testid="chain-table"] [data-testid^="chain-link-"]').first().click();
    await page.waitForURL(/#\/chains\/\d+/);
    const title = await text(page.getByTestId('chain-title'));
    expect(title.length > 0 && (!chainName || chainName.includes(title.split(/\s+/)[0])), `chain title "${title}" vs list "${chainName}"`);
    const canvas = page.locator('[data-testid="chain-graph"] canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box && box.width > 300 && box.height > 200, `graph canvas is ${JSON.stringify(box)}`);
    await page.getByTestId('chain-coverage').locator('.big').waitFor();
    const cov = await text(page.getByTestId('chain-coverage').locator('.big'));
    expect(/^\d+(\.\d+)?%$/.test(cov), `coverage reads "${cov}"`);
    const gaps = page.getByTestId('chain-gaps');
    await gaps.waitFor();
    const gapRows = await rowCount(page, 'chain-gaps');
    const empty = await gaps.locator('.el-table__empty-text').count();
    expect(gapRows > 0 || empty > 0, 'the gap list did not render');
    console.log(`    coverage ${cov}, ${gapRows} gap(s)`);
    await page.locator('[data-testid="chain-firms"] tbody tr.el-table__row').first().waitFor();
    await toastsGone(page);
    await page.waitForTimeout(700); // let chart animations finish
    await page.screenshot({ path: path.join(SHOTS, 'chain.png'), fullPage: true });
  });

  await check('clicking a node in the graph filters the firm table to that node', async () => {
    // The analysis gives the node list; the tree's leaves are drawn on the right, so clicking a
    // known node means asking ECharts where it is. Use the API instead to find a covered node
    // and its firm count, then click through the chart via its own dispatch.
    const id = Number(page.url().match(/chains\/(\d+)/)[1]);
    const a = await page.evaluate(async (cid) => (await fetch(`/api/v1/chains/${cid}/analysis`)).json(), id);
    const node = (a.nodes || []).find((n) => n.local_firms > 0);
    expect(node, 'no covered node in the analysis');
    const canvas = page.locator('[data-testid="chain-graph"] canvas').first();
    const box = await canvas.boundingBox();
    // Scan the canvas for the node's label by hovering points until the tooltip names it.
    let hit = false;
    const name = node.name;
    for (let y = box.y + 20; y < box.y + box.height - 10 && !hit; y += 12) {
      for (const fx of [0.55, 0.6, 0.65, 0.7, 0.75, 0.8]) {
        const x = box.x + box.width * fx;
        await page.mouse.move(x, y);
        const tip = await page.locator('div[style*="z-index: 9999999"]').allTextContents().catch(() => []);
        if (tip.some((s) => s.includes(name))) {
          await page.mouse.click(x, y);
          hit = true;
          break;
        }
      }
    }
    expect(hit, `could not find node "${name}" on the graph`);
    const header = page.getByTestId('chain-firms').locator('.section-title');
    await page.waitForFunction((n) => {
      const el = document.querySelector('[data-testid="chain-firms"] .section-title');
      return el && el.textContent.includes(n);
    }, name);
    console.log(`    firm table: ${await text(header)}`);
  });

  await check('the enterprise list shows rows with server paging', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="enterprises"]').click();
    await page.waitForURL(/#\/enterprises/);
    await page.locator('[data-testid="enterprise-table"] tbody tr.el-table__row').first().waitFor();
    const n = await rowCount(page, 'enterprise-table');
    expect(n > 0, 'the enterprise table has no rows');
    const total = await text(page.getByTestId('enterprise-total'));
    const m = total.match(/\d+/);
    expect(m && Number(m[0]) >= n, `total reads "${total}" with ${n} rows`);
    console.log(`    ${n} rows on the page, ${total}`);
    await toastsGone(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'enterprises.png'), fullPage: true });
  });

  await check('searching by name narrows the list and a row opens the profile', async () => {
    const first = (await page.locator('[data-testid="enterprise-table"] tbody tr.el-table__row').first().locator('td').first().textContent()).trim();
    const word = first.replace(/（.*$/, '').replace(/\s*示例数据$/, '').slice(0, 6);
    await page.locator('input[data-testid="ent-q"], [data-testid="ent-q"] input').first().fill(word);
    await page.getByTestId('ent-search').click();
    await page.waitForFunction(
      (w) => [...document.querySelectorAll('[data-testid="enterprise-table"] tbody tr.el-table__row')].every((r) => r.textContent.includes(w)),
      word,
    );
    await page.locator('[data-testid="enterprise-table"] tbody tr.el-table__row').first().click();
    await page.waitForURL(/#\/enterprises\/\d+/);
    const name = await text(page.getByTestId('enterprise-name'));
    expect(name.includes(word), `profile name "${name}" does not contain "${word}"`);
    await page.getByTestId('enterprise-facts').waitFor();
  });

  await check('the enterprise list exports CSV and .xlsx with its filters', async () => {
    await page.locator('[data-testid="side-nav"] [data-nav="enterprises"]').click();
    await page.waitForURL(/#\/enterprises/);
    const href = await page.getByTestId('ent-export-csv').getAttribute('href');
    expect(href && href.includes('format=csv'), `export link is ${href}`);
    const res = await page.evaluate(async (h) => {
      const r = await fetch(h);
      return { status: r.status, type: r.headers.get('content-type'), disp: r.headers.get('content-disposition'), text: (await r.text()).slice(0, 200) };
    }, href);
    expect(res.status === 200 && /text\/csv/.test(res.type), `CSV export answered ${JSON.stringify(res)}`);
    expect(/filename\*=UTF-8''/.test(res.disp || ''), `Content-Disposition is ${res.disp}`);
    expect(res.text.includes('uscc'), `CSV starts ${res.text}`);
    const xhref = await page.getByTestId('ent-export-xlsx').getAttribute('href');
    const x = await page.evaluate(async (h) => {
      const r = await fetch(h);
      const b = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), pk: b[0] === 0x50 && b[1] === 0x4b };
    }, xhref);
    expect(x.status === 200 && /spreadsheetml/.test(x.type) && x.pk, `xlsx export answered ${JSON.stringify(x)}`);
  });

  await check('the import dialog rejects a bad file with row errors, then imports a good one', async () => {
    await page.getByTestId('ent-import').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('import-kind').getByText(/产业链与节点|Chains and nodes/).click();
    const stamp = Date.now().toString(36).toUpperCase();
    const bad = `chain,node,parent,name\nCD-AI,E2E-${stamp}-A,NO-SUCH-NODE,孤儿节点\n`;
    await page.getByTestId('import-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByTestId('import-submit').click();
    await page.getByTestId('import-errors').locator('tbody tr').first().waitFor();
    const row = (await page.getByTestId('import-errors').locator('tbody tr').first().locator('td').allTextContents()).map((c) => c.trim());
    expect(row[0] === '2' && row[1] === 'parent' && row[2] === 'orphan', `error row reads ${JSON.stringify(row)}`);
    const good = `chain,node,name,criticality\nCD-AI,E2E-${stamp}-B,端到端测试节点,4\n`;
    await page.getByTestId('import-file').setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByTestId('import-submit').click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="import-summary"]');
      return el && /导入 1 条|1 imported/.test(el.textContent);
    });
    console.log(`    ${await text(page.getByTestId('import-state'))}; ${await text(page.getByTestId('import-summary'))}`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'import.png'), fullPage: false });
    await dialog.getByRole('button', { name: /^(关闭|Close)$/ }).click();
  });

  await check('the workbench shows the diff between two dates', async () => {
    const chains = await page.evaluate(async () => (await fetch('/api/v1/chains')).json());
    const ai = chains.chains.find((c) => c.code === 'CD-AI') || chains.chains[0];
    await page.goto(`${BASE}/#/chains/${ai.id}`);
    const diff = page.getByTestId('chain-diff');
    await diff.waitFor();
    await page.getByTestId('diff-summary').waitFor();
    const summary = await text(page.getByTestId('diff-summary'));
    expect(/%/.test(summary), `diff summary reads "${summary}"`);
    await page.getByTestId('chain-chiefs').waitFor();
    await diff.scrollIntoViewIfNeeded();
    await toastsGone(page);
    await page.waitForTimeout(500);
    await diff.screenshot({ path: path.join(SHOTS, 'diff.png') });
    console.log(`    diff: ${summary.replace(/\s+/g, ' ').slice(0, 120)}`);
  });

  await check('the parks page shows the buildings and units of a park with rates and a chart', async () => {
    await page.goto(`${BASE}/#/parks`);
    await page.getByTestId('park-table').locator('tbody tr.el-table__row').first().waitFor();
    const panel = page.getByTestId('park-buildings');
    await panel.waitFor();
    await panel.locator('[data-testid="buildings-table"] tbody tr.el-table__row').first().waitFor();
    const n = await panel.locator('[data-testid="buildings-table"] > .el-table__inner-wrapper > .el-table__body-wrapper tbody > tr.el-table__row').count();
    expect(n > 0, 'the demo park has no buildings');
    const occ = await text(page.getByTestId('buildings-floor-occupancy'));
    expect(/^\d+(\.\d+)?%$/.test(occ), `floor occupancy reads "${occ}"`);
    const canvas = panel.locator('[data-testid="buildings-chart"] canvas').first();
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box && box.width > 200 && box.height > 200, `buildings chart canvas is ${JSON.stringify(box)}`);
    // The units of the first building.
    await panel.locator('[data-testid="buildings-table"] .el-table__expand-icon').first().click();
    await panel.locator('[data-testid^="units-table-"] tbody tr.el-table__row').first().waitFor();
    console.log(`    ${n} building(s), floor occupancy ${occ}`);
    await toastsGone(page);
    await page.waitForTimeout(700); // let chart animations finish
    await page.screenshot({ path: path.join(SHOTS, 'parks.png'), fullPage: true });
  });

  await check('an operator adds a building: a bad floor count is shown under its field, a good one is listed', async () => {
    const panel = page.getByTestId('park-buildings');
    const name = `E2E 楼${Date.now().toString(36)}（示例）`;
    await panel.getByTestId('building-add').click();
    const dialog = page.getByTestId('buildings-dialog');
    await dialog.getByTestId('building-name').fill(name);
    await dialog.getByTestId('building-floors').fill('0');
    await dialog.getByTestId('building-area').fill('1200');
    await dialog.getByTestId('buildings-save').click();
    const fieldError = dialog.locator('.el-form-item.is-error .el-form-item__error').first();
    await fieldError.waitFor();
    const msg = await text(fieldError);
    expect(msg.length > 0, 'no message under the floors field');
    const errorItem = await dialog.locator('.el-form-item.is-error').first().locator('[data-testid="building-floors"]').count();
    expect(errorItem > 0, `the error is not under the floors field: "${msg}"`);
    await toastsGone(page);
    await dialog.screenshot({ path: path.join(SHOTS, 'building-error.png') });
    console.log(`    floors=0: "${msg}"`);
    await dialog.getByTestId('building-floors').fill('6');
    await dialog.getByTestId('buildings-save').click();
    await page.waitForFunction((nm) => document.querySelector('[data-testid="buildings-table"]').textContent.includes(nm), name);
  });

  await check('the major projects page adds a project and shows its milestones', async () => {
    await page.goto(`${BASE}/#/projects`);
    await page.getByTestId('project-table').waitFor();
    await page.getByTestId('project-new').click();
    await page.getByTestId('project-dialog').waitFor();
    const name = `端到端重大项目${Date.now().toString(36)}（示例）`;
    await page.locator('[data-testid="project-name"]').first().fill(name);
    await page.locator('[data-testid="project-investment"]').first().fill('1200000000');
    await page.getByTestId('project-save').click();
    await page.waitForFunction((n) => document.querySelector('[data-testid="project-table"]').textContent.includes(n), name);
    const csv = await page.getByTestId('projects-export-csv').getAttribute('href');
    const res = await page.evaluate(async (h) => (await fetch(h)).text(), csv);
    expect(res.includes(name), 'the CSV export lacks the new project');
    await toastsGone(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'projects.png'), fullPage: true });
    // At 1440 px the milestone labels and dates stay on one line each.
    const heights = await page.$$eval('[data-testid="project-table"] .ms-label, [data-testid="project-table"] .ms-date', (els) =>
      els.map((e) => e.getBoundingClientRect().height),
    );
    expect(heights.length > 0, 'no milestone steps rendered');
    const tallest = Math.max(...heights);
    expect(tallest <= 20, `a milestone label or date wraps (height ${tallest}px)`);
  });

  await check('in English the milestone steps and the buildings view keep their labels on one line', async () => {
    await page.getByTestId('lang-en').click();
    await page.goto(`${BASE}/#/projects`);
    await page.locator('[data-testid="project-table"] .ms-label').first().waitFor();
    const heights = await page.$$eval('[data-testid="project-table"] .ms-label, [data-testid="project-table"] .ms-date', (els) =>
      els.map((e) => e.getBoundingClientRect().height),
    );
    const tallest = Math.max(...heights);
    expect(tallest <= 20, `an English milestone label or date wraps (height ${tallest}px)`);
    await toastsGone(page);
    await page.screenshot({ path: path.join(SHOTS, 'projects-en.png'), fullPage: true });
    await page.goto(`${BASE}/#/parks`);
    await page.locator('[data-testid="buildings-table"] tbody tr.el-table__row').first().waitFor();
    await page.locator('[data-testid="buildings-chart"] canvas').first().waitFor();
    await page.waitForTimeout(700);
    await page.screenshot({ path: path.join(SHOTS, 'parks-en.png'), fullPage: true });
    await page.getByTestId('lang-zh').click();
  });

  await check('no uncaught errors in the page', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  if (runner.stopped) {
    await page.screenshot({ path: path.join(SHOTS, 'chain-failure.png'), fullPage: true }).catch(() => {});
    console.log(`    failure screenshot: ${path.join(SHOTS, 'chain-failure.png')}`);
  }
  await browser.close();
}

runner.finish();
