// Browser test of the industrial-chain pages against a running kechan server (demo data), with
// Debian's chromium (headless) driven by playwright-core: signs in, opens the chain list, the
// first chain (graph canvas, gap list, coverage), filters firms by clicking a node, opens the
// enterprise list (rows, paging) and a profile, and saves chain.png and enterprises.png.
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
