// Shared harness of the browser tests: environment, named checks that stop at the first failure,
// Debian's chromium started headless through playwright-core, and the closing summary line
// ("<tag>: N passed, N failed[, N skipped]") that CI reads.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const TIMEOUT = 15000;

/** Reads KECHAN_URL, KECHAN_USER, KECHAN_PASSWORD, SCREENSHOT_DIR, CHROMIUM; exits 2 when missing. */
export function readEnv(tag) {
  const env = {
    BASE: (process.env.KECHAN_URL || '').replace(/\/+$/, ''),
    USER: process.env.KECHAN_USER || '',
    PASSWORD: process.env.KECHAN_PASSWORD || '',
    SHOTS: path.resolve(process.env.SCREENSHOT_DIR || 'screenshots'),
    CHROMIUM: process.env.CHROMIUM || '/usr/bin/chromium',
  };
  if (!env.BASE || !env.USER || !env.PASSWORD) {
    console.error(`${tag}: set KECHAN_URL, KECHAN_USER and KECHAN_PASSWORD (and optionally SCREENSHOT_DIR)`);
    console.log(`${tag}: 0 passed, 1 failed`);
    process.exit(2);
  }
  fs.mkdirSync(env.SHOTS, { recursive: true });
  return env;
}

class CheckFailed extends Error {}

/** Throws a check failure with `message` unless `cond` holds. */
export function expect(cond, message) {
  if (!cond) {
    throw new CheckFailed(message);
  }
}

/** Named checks; after the first failure the rest are skipped (they build on each other). */
export function createRunner(tag) {
  const results = [];
  const runner = {
    stopped: false,
    async check(name, fn) {
      if (runner.stopped) {
        results.push({ name, status: 'skipped' });
        console.log(`  - skip  ${name}`);
        return;
      }
      const t0 = Date.now();
      try {
        await fn();
        results.push({ name, status: 'passed' });
        console.log(`  ✓ pass  ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        results.push({ name, status: 'failed' });
        runner.stopped = true;
        console.log(`  ✗ FAIL  ${name}\n          ${e instanceof CheckFailed ? e.message : e && e.stack ? e.stack : e}`);
      }
    },
    /** Prints the summary line and exits 1 when a check failed. */
    finish() {
      const count = (s) => results.filter((r) => r.status === s).length;
      const skipped = count('skipped');
      console.log(`${tag}: ${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
      process.exit(count('failed') ? 1 : 0);
    },
  };
  return runner;
}

/** Starts headless chromium and one page; collects uncaught page errors in `pageErrors`. */
export async function openPage(tag, env, viewport) {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: env.CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  } catch (e) {
    console.error(`${tag}: cannot start ${env.CHROMIUM}: ${e && e.message ? e.message : e}`);
    console.log(`${tag}: 0 passed, 1 failed`);
    process.exit(1);
  }
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e && e.message ? e.message : e)));
  page.on('console', (m) => {
    if (m.type() === 'error') {
      console.log(`    [browser console] ${m.text()}`);
    }
  });
  return { browser, page, pageErrors };
}

/** Returns the trimmed text of a locator. */
export const text = async (locator) => ((await locator.textContent({ timeout: TIMEOUT })) || '').trim();
/** Waits until Element Plus toasts are gone (so they do not cover what a screenshot shows). */
export const toastsGone = (page) =>
  page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 8000 }).catch(() => {});

/** Waits until no Element Plus dropdown item is visible (a closing dropdown fades out). */
export const dropdownsClosed = (page) =>
  page
    .waitForFunction(() => ![...document.querySelectorAll('.el-select-dropdown__item')].some((e) => e.offsetParent !== null), null, { timeout: 3000 })
    .catch(() => {});

/**
 * Opens the Element Plus select `select` (a locator) and clicks the option whose text contains
 * `label` (the first option when `label` is empty). Waits for any other dropdown to close first
 * and for this one to close after, and tries again (up to 3 times) when the option did not become
 * selected or the dropdown closed before the click landed — on a busy machine a click can land
 * while the dropdown is still opening, or a re-render can close it.
 */
export async function pickOption(page, select, label) {
  for (let attempt = 1; ; attempt++) {
    await dropdownsClosed(page);
    await select.click();
    const options = page.locator('.el-select-dropdown__item:visible');
    await options.first().waitFor();
    const option = label ? options.filter({ hasText: label }).first() : options.first();
    let handle;
    try {
      handle = await option.elementHandle({ timeout: 5000 });
      await option.click({ timeout: 5000 });
    } catch (e) {
      // The dropdown closed before the click landed (a re-render on a busy machine): open it again.
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape').catch(() => {});
      continue;
    }
    await dropdownsClosed(page);
    // A detached option (the page re-rendered after the pick) counts as picked.
    const picked = await handle
      .evaluate((e) => !e.isConnected || e.classList.contains('is-selected') || e.getAttribute('aria-selected') === 'true')
      .catch(() => true);
    if (picked || attempt >= 3) return;
  }
}
