// Browser test of the targets page (operators): the sidebar entry opens it; a DingTalk robot with a
// signing secret is added (the secret shows only as "set"), a bad webhook URL is refused with the
// error on the URL field and nothing added, the robot is switched off and deleted. E-mail: the SMTP
// settings refuse a bad port on the port field, then point at a tiny SMTP sink this script runs on
// 127.0.0.1; an e-mail list with a bad address is refused on the addresses field; a good one is
// added, "send test" reports success and the sink received exactly one message for its addresses
// with the UTF-8 test subject. Saves notify-targets.png, notify-targets-form.png, notify-smtp.png
// and notify-targets-email.png.
//
// Env: KECHAN_URL, KECHAN_USER (an operator, e.g. demo-operator), KECHAN_PASSWORD,
//      SCREENSHOT_DIR (default ./screenshots), CHROMIUM (default /usr/bin/chromium).
// Prints "e2e-targets: N passed, N failed[, N skipped]" last; exits 1 when any check failed.
import net from 'node:net';
import path from 'node:path';

import { createRunner, expect, openPage, pickOption, readEnv, text, toastsGone } from './harness.mjs';

const env = readEnv('e2e-targets');
const { BASE, USER, PASSWORD, SHOTS } = env;
const runner = createRunner('e2e-targets');
const check = runner.check;
const { browser, page, pageErrors } = await openPage('e2e-targets', env, { width: 1366, height: 860 });
const rows = () => page.locator('[data-testid="targets-table"] tbody tr.el-table__row');
const NAME = '高新区企业服务群（测试）';

// A minimal SMTP sink: records envelope and data of every message it accepts.
const mails = [];
const sink = net.createServer((sock) => {
  let buf = '';
  let mail = { from: '', rcpt: [], data: '' };
  let inData = false;
  sock.write('220 sink.e2e ESMTP\r\n');
  sock.on('data', (chunk) => {
    buf += chunk.toString('binary');
    for (;;) {
      if (inData) {
        const end = buf.indexOf('\r\n.\r\n');
        if (end < 0) return;
        mail.data = Buffer.from(buf.slice(0, end + 2), 'binary').toString('utf8');
        buf = buf.slice(end + 5);
        inData = false;
        mails.push(mail);
        mail = { from: '', rcpt: [], data: '' };
        sock.write('250 OK queued\r\n');
        continue;
      }
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const line = buf.slice(0, eol);
      buf = buf.slice(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') sock.write('250-sink.e2e\r\n250 8BITMIME\r\n');
      else if (verb === 'MAIL') { mail.from = line.slice(line.indexOf(':') + 1).trim(); sock.write('250 OK\r\n'); }
      else if (verb === 'RCPT') { mail.rcpt.push(line.slice(line.indexOf(':') + 1).trim()); sock.write('250 OK\r\n'); }
      else if (verb === 'DATA') { inData = true; sock.write('354 go ahead\r\n'); }
      else if (verb === 'QUIT') { sock.end('221 bye\r\n'); return; }
      else sock.write('250 OK\r\n');
    }
  });
  sock.on('error', () => {});
});
await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkPort = sink.address().port;

/** Decodes the RFC 2047 encoded words of a Subject header. */
function decodeSubject(data) {
  const m = /\r\nSubject: ((?:.*)(?:\r\n .*)*)/.exec(data);
  if (!m) return '';
  return m[1].split(/\r\n /).map((w) => {
    const e = /^=\?UTF-8\?B\?(.*)\?=$/.exec(w.trim());
    return e ? Buffer.from(e[1], 'base64').toString('utf8') : w;
  }).join('');
}

console.log(`e2e-targets: targets against ${BASE} as ${USER}, SMTP sink on ${sinkPort}, screenshots in ${SHOTS}`);
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

  await check('SMTP settings refuse a bad port on the port field, then save the sink', async () => {
    await page.getByTestId('smtp-edit').click();
    const dialog = page.getByTestId('smtp-dialog');
    await dialog.waitFor();
    await page.getByTestId('smtp-host').fill('127.0.0.1');
    await pickOption(page, page.getByTestId('smtp-tls'), '不加密');
    await page.getByTestId('smtp-port').fill('70000');
    await page.getByTestId('smtp-from').fill('kechan-e2e@gov.example');
    await page.getByTestId('smtp-save').click();
    const err = dialog.locator('.el-form-item.is-error');
    await err.first().waitFor();
    const label = await text(err.first().locator('.el-form-item__label'));
    expect(label.includes('端口'), `error on "${label}", not the port`);
    console.log(`    error on the port field: ${await text(err.first().locator('.el-form-item__error'))}`);
    await page.getByTestId('smtp-port').fill(String(sinkPort));
    await page.getByTestId('smtp-save').click();
    await dialog.waitFor({ state: 'hidden' });
    const summary = await text(page.getByTestId('smtp-summary'));
    expect(summary.includes(`127.0.0.1:${sinkPort}`), `summary "${summary}"`);
    expect((await text(page.getByTestId('smtp-source'))).includes('页面设置'), 'source is not "set here"');
    await toastsGone(page);
    await page.getByTestId('smtp-card').screenshot({ path: path.join(SHOTS, 'notify-smtp.png') });
  });

  const MAIL_NAME = '投促局公共邮箱（测试）';
  await check('an e-mail list with a bad address is refused on the addresses field', async () => {
    const count = await rows().count();
    await page.getByTestId('targets-new').click();
    await page.getByTestId('targets-channel').locator('.el-radio-button').filter({ hasText: '邮件' }).click();
    await page.getByTestId('targets-name').fill(MAIL_NAME);
    await page.getByTestId('targets-addresses').fill('tzj@gov.example\nnot-an-address');
    await pickOption(page, page.getByTestId('targets-scope'), '角色');
    await pickOption(page, page.getByTestId('targets-scope-value'), '坐班局长');
    await page.getByTestId('targets-save').click();
    const err = page.locator('[data-testid="targets-dialog"] .el-form-item.is-error');
    await err.first().waitFor();
    const label = await text(err.first().locator('.el-form-item__label'));
    expect(label.includes('邮箱地址'), `error on "${label}"`);
    expect((await text(err.first().locator('.el-form-item__error'))).includes('not-an-address'), 'the bad address is not named');
    expect((await rows().count()) === count, 'a row was added');
  });

  await check('a good e-mail list is added; "send test" succeeds and the sink got one UTF-8 message', async () => {
    await page.getByTestId('targets-addresses').fill('tzj@gov.example, duty-room@gov.example');
    await page.getByTestId('targets-save').click();
    await page.getByTestId('targets-dialog').waitFor({ state: 'hidden' });
    const row = rows().filter({ hasText: MAIL_NAME });
    await row.waitFor();
    expect((await text(row)).includes('tzj@gov.example, duty-room@gov.example'), 'addresses not listed');
    const before = mails.length;
    await row.getByText('发送测试').click();
    await row.locator('.el-tag').filter({ hasText: '测试成功' }).waitFor({ timeout: 20000 });
    expect(mails.length === before + 1, `${mails.length - before} messages arrived`);
    const m = mails[mails.length - 1];
    expect(m.from === '<kechan-e2e@gov.example>', `from ${m.from}`);
    expect(JSON.stringify(m.rcpt) === JSON.stringify(['<tzj@gov.example>', '<duty-room@gov.example>']), `rcpt ${m.rcpt}`);
    const subject = decodeSubject(m.data);
    expect(subject === `测试消息：${MAIL_NAME}`, `subject "${subject}"`);
    console.log(`    the sink received "${subject}" for ${m.rcpt.join(', ')}`);
    await toastsGone(page);
    await page.screenshot({ path: path.join(SHOTS, 'notify-targets-email.png'), fullPage: true });
  });

  await check('the e-mail list is deleted', async () => {
    const row = rows().filter({ hasText: MAIL_NAME });
    await row.getByText('删除').click();
    await page.locator('.el-message-box .el-button--primary').click();
    await rows().filter({ hasText: MAIL_NAME }).waitFor({ state: 'detached' });
  });

  await check('no uncaught page errors', async () => {
    expect(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
  });
} finally {
  await browser.close();
  sink.close();
}
runner.finish();
