// Browser test of notifications against a running kechan server with demo data (kechan demo sends
// two demo announcements and the appeals demo's events carry notify blocks, so demo users have
// inbox items): the header bell shows the unread count; the inbox page lists items newest first
// with paging, filters unread, marks one and all read (the bell follows); English relabels the
// page; an operator sees the delivery log. Saves inbox.png, inbox-en.png and deliveries.png.
//
// Env: KECHAN_URL, KECHAN_USER (an operator, e.g. demo-operator), KECHAN_PASSWORD,
//      SCREENSHOT_DIR (default ./screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints "e2e-notify: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import path from 'node:path';

import { createRunner, expect, openPage, readEnv, text, toastsGone } from './harness.mjs';

const env = readEnv('e2e-notify');
const { BASE, USER, PASSWORD, SHOTS } = env;
const runner = createRunner('e2e-notify');
const check = runner.check;
const { browser, page, pageErrors } = await openPage('e2e-notify', env, { width: 1280, height: 860 });
const badge = async () => {
  const sup = page.locator('[data-testid="inbox-bell-badge"] sup');
  if (!(await sup.count()) || !(await sup.isVisible())) {
    return '';
  }
  return text(sup);
};
const items = () => page.locator('[data-inbox-item]');

const summaryCounts = async () => {
  const s = await text(page.getByTestId('inbox-summary'));
  const nums = (s.match(/\d+/g) || []).map(Number);
  return { total: nums[0] || 0, unread: nums[1] || 0, text: s };
};

console.log(`e2e-notify: inbox against ${BASE} as ${USER}, screenshots in ${SHOTS}`);
try {
  await check('signs in and the bell shows unread notifications', async () => {
    await page.goto(`${BASE}/#/signin`, { waitUntil: 'domcontentloaded' });
    await page.getByTestId('signin-username').fill(USER);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('inbox-bell').waitFor();
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="inbox-bell-badge"] sup');
      return s && s.offsetParent !== null && s.textContent.trim() !== '';
    });
    const n = await badge();
    expect(n === '99+' || (/^\d+$/.test(n) && Number(n) >= 2), `bell badge "${n}" (expected at least the 2 demo notices)`);
  });

  let before = { total: 0, unread: 0 };
  await check('the bell opens the inbox, newest first, with the counts', async () => {
    await page.getByTestId('inbox-bell').click();
    await page.waitForURL(/#\/inbox$/);
    await items().first().waitFor();
    before = await summaryCounts();
    expect(before.total >= 2 && before.unread >= 2, `summary "${before.text}"`);
    const ids = await items().evaluateAll((els) => els.map((e) => Number(e.dataset.testid.replace('inbox-item-', ''))));
    expect(ids.length > 0 && ids.length <= 10, `${ids.length} items on the first page`);
    expect(ids.every((id, i) => i === 0 || ids[i - 1] > id), `not newest first: ${ids}`);
    const titles = await page.getByTestId('inbox-item-title').allTextContents();
    expect(titles.every((s) => s.trim().length > 0), `an item without a title: ${JSON.stringify(titles)}`);
    if (before.total > 10) {
      await page.getByTestId('inbox-pager').waitFor();
    }
    await page.screenshot({ path: path.join(SHOTS, 'inbox.png'), fullPage: true });
  });

  await check('marking one read updates the item and the counts', async () => {
    const first = items().first();
    await first.getByTestId('inbox-mark-read').click();
    await page.waitForFunction(() => document.querySelector('[data-inbox-item]').dataset.read === 'true');
    await page.waitForFunction(
      (want) => (document.querySelector('[data-testid="inbox-summary"]').textContent.match(/\d+/g) || [])[1] === String(want),
      before.unread - 1,
    );
    const res = await page.evaluate(async () => (await fetch('/api/v1/inbox/unread-count')).json());
    expect(res.unread === before.unread - 1, `server unread ${res.unread}, expected ${before.unread - 1}`);
  });

  await check('the unread filter hides read items', async () => {
    await page.getByTestId('inbox-unread-only').click();
    await page.waitForFunction(() => {
      const els = document.querySelectorAll('[data-inbox-item]');
      return els.length > 0 && Array.from(els).every((e) => e.dataset.read === 'false');
    });
    const c = await summaryCounts();
    expect(c.total === before.unread - 1, `unread-only total ${c.total}, expected ${before.unread - 1}`);
  });

  await check('mark all read empties the unread list and clears the bell', async () => {
    await page.getByTestId('inbox-read-all').click();
    await page.getByTestId('inbox-empty').waitFor();
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="inbox-bell-badge"] sup');
      return !s || s.offsetParent === null || s.textContent.trim() === '';
    });
    await page.getByTestId('inbox-unread-only').click();
    await items().first().waitFor();
  });

  await check('English relabels the inbox', async () => {
    await toastsGone(page);
    await page.getByTestId('lang-en').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="inbox-title"]').textContent.includes('My notifications'));
    const s = await text(page.getByTestId('inbox-summary'));
    expect(/in all, 0 unread/.test(s), `English summary "${s}"`);
    await page.screenshot({ path: path.join(SHOTS, 'inbox-en.png'), fullPage: true });
    await page.getByTestId('lang-zh').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="inbox-title"]').textContent.includes('我的消息'));
  });

  await check('an operator opens the delivery log', async () => {
    await page.getByTestId('inbox-deliveries').click();
    await page.waitForURL(/#\/notify\/deliveries$/);
    await page.getByTestId('deliveries-table').waitFor();
    const heading = await text(page.locator('[data-testid="deliveries-page"] h1'));
    expect(heading.includes('投递'), `heading "${heading}"`);
    await page.screenshot({ path: path.join(SHOTS, 'deliveries.png'), fullPage: true });
  });

  await check('no uncaught errors in the page', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  if (runner.stopped) {
    await page.screenshot({ path: path.join(SHOTS, 'notify-failure.png'), fullPage: true }).catch(() => {});
    console.log(`    failure screenshot: ${path.join(SHOTS, 'notify-failure.png')}`);
  }
  await browser.close();
}

runner.finish();
