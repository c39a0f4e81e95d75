import { describe, expect, it, vi } from 'vitest';

vi.mock('./api/index.js', () => ({ api: { get: vi.fn(), post: vi.fn() } }));

const { badgeText, deliveriesQuery, deliveryTagType, inboxQuery, itemRoute, itemText, markRead, maskWebhook, parseAddresses, refreshUnread, smtpBody, targetBody, unread } =
  await import('./notify.js');
const { api } = await import('./api/index.js');

describe('badgeText', () => {
  it('is empty for none and caps at 99+', () => {
    expect(badgeText(0)).toBe('');
    expect(badgeText(undefined)).toBe('');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(100)).toBe('99+');
  });
});

describe('inboxQuery', () => {
  it('sends unread only when asked and clamps paging', () => {
    expect(inboxQuery({ unreadOnly: true, page: 2, pageSize: 10 })).toBe('/api/v1/inbox?unread=true&page=2&page_size=10');
    expect(inboxQuery({ page: 0, pageSize: 1000 })).toBe('/api/v1/inbox?page=1&page_size=100');
  });
});

describe('deliveriesQuery', () => {
  it('includes only the filters set', () => {
    expect(deliveriesQuery({ status: 'failed' })).toBe('/api/v1/notify/deliveries?status=failed&page=1&page_size=20');
    expect(deliveriesQuery({ channel: 'wecom', page: 3 })).toBe('/api/v1/notify/deliveries?channel=wecom&page=3&page_size=20');
  });
});

describe('itemText', () => {
  const item = { title: '新诉求', title_zh: '新诉求', title_en: 'New appeal', body_zh: '', body_en: 'Only English' };
  it('picks the locale and falls back to the other language', () => {
    expect(itemText(item, 'title', 'zh-CN')).toBe('新诉求');
    expect(itemText(item, 'title', 'en')).toBe('New appeal');
    expect(itemText(item, 'body', 'zh-CN')).toBe('Only English');
  });
});

describe('itemRoute', () => {
  it('follows only in-app paths', () => {
    expect(itemRoute({ link: '/appeals/7' })).toBe('/appeals/7');
    expect(itemRoute({ link: '' })).toBeNull();
    expect(itemRoute({ link: '//evil.example' })).toBeNull();
    expect(itemRoute({ link: 'https://evil.example' })).toBeNull();
  });
});

describe('deliveryTagType', () => {
  it('colours the statuses', () => {
    expect(deliveryTagType('sent')).toBe('success');
    expect(deliveryTagType('failed')).toBe('danger');
    expect(deliveryTagType('other')).toBe('info');
  });
});

describe('unread counter', () => {
  it('refreshes from the server and after marking read', async () => {
    api.get.mockResolvedValueOnce({ unread: 3 });
    expect(await refreshUnread()).toBe(3);
    expect(unread.count).toBe(3);
    api.post.mockResolvedValueOnce({ id: 1, read: true });
    api.get.mockResolvedValueOnce({ unread: 2 });
    const item = await markRead(1);
    expect(item.read).toBe(true);
    expect(api.post).toHaveBeenCalledWith('/api/v1/inbox/1/read');
    expect(unread.count).toBe(2);
  });
  it('keeps the last count when the request fails', async () => {
    api.get.mockRejectedValueOnce(new Error('offline'));
    expect(await refreshUnread()).toBe(2);
  });
});

describe('robot target form', () => {
  const form = { name: ' 高新区群 ', channel: 'dingtalk', url: ' https://oapi.dingtalk.com/robot/send?access_token=abc ', secret: 'SEC1', clearSecret: false, scope: 'org', scope_value: 7, enabled: true };

  it('sends every field with the channel when creating', () => {
    expect(targetBody(form, { create: true })).toEqual({
      name: '高新区群', channel: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SEC1', scope: 'org', scope_value: '7', enabled: true,
    });
  });

  it('leaves the channel and an untouched secret out when editing', () => {
    const body = targetBody({ ...form, secret: '' }, { create: false });
    expect(body.channel).toBeUndefined();
    expect('secret' in body).toBe(false);
    expect(targetBody({ ...form, secret: '', clearSecret: true }, { create: false }).secret).toBe('');
    expect(targetBody({ ...form, scope: 'all' }, { create: false }).scope_value).toBe('');
  });

  it('sends an e-mail list as addresses, without url or secret', () => {
    const mail = { ...form, channel: 'email', addresses: ' a@gov.example\nb@gov.example, c@gov.example；d@gov.example ', secret: 'x' };
    expect(targetBody(mail, { create: true })).toEqual({
      name: '高新区群', channel: 'email', addresses: ['a@gov.example', 'b@gov.example', 'c@gov.example', 'd@gov.example'], scope: 'org', scope_value: '7', enabled: true,
    });
    const edit = targetBody(mail, { create: false });
    expect(edit.channel).toBeUndefined();
    expect('url' in edit || 'secret' in edit).toBe(false);
    expect(parseAddresses('')).toEqual([]);
  });

  it('builds the SMTP body with the port as a number when it is one', () => {
    expect(smtpBody({ host: ' smtp.gov.example ', port: '465', tls: 'implicit', mail_from: 'kechan@gov.example' })).toEqual({
      host: 'smtp.gov.example', port: 465, tls: 'implicit', mail_from: 'kechan@gov.example',
    });
    expect(smtpBody({ host: 'h', port: 'x1', tls: 'try', mail_from: '' }).port).toBe('x1');
  });

  it('masks the key of a webhook URL', () => {
    expect(maskWebhook('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=12345678-aaaa')).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1234…');
    expect(maskWebhook('https://oapi.dingtalk.com/robot/send?access_token=abcdefgh&x=1')).toBe('https://oapi.dingtalk.com/robot/send?access_token=abcd…&x=1');
  });
});
