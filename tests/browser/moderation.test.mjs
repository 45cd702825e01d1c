// Moderation in headless Chromium against a real `ruche serve`, by clicks only: a user reports a
// video from its watch page (a reason ticked, words typed); the administrator finds the report in
// *Moderation* with the video shown in place and accepts it with a comment, and the reporter is
// told; then bans the video's owner from *Users* with a reason: the owner's token ends at once and
// the page says banned; *Unban* lets them back in.
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/moderation.test.mjs
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, launchChromium, makeTestClip, rootApi, startRuche, teardown, uploadTranscoded, userApi, logIn } from './helpers.mjs';

const TOTAL_BUDGET_MS = 240_000;

describe('moderation through the pages', { timeout: TOTAL_BUDGET_MS }, () => {
  let tmp;
  let server;
  let browser;
  let root;
  let video;

  before(async () => {
    const bin = process.env.RUCHE_BIN;
    if (!bin) throw new Error('RUCHE_BIN is not set');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-moderation-'));
    const clip = await makeTestClip(path.join(tmp, 'clip.mp4'));
    const data = path.join(tmp, 'data');
    await mkdir(data);
    server = await startRuche(bin, data);
    root = await rootApi(server);
    for (const username of ['ann', 'sam']) {
      await json(await fetch(`${server.baseUrl}/api/v1/users`, {
        method: 'POST',
        headers: { ...root.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ username, email: `${username}@example.org`, password: 'secret-pass', role: 2, videoQuota: -1 }),
      }));
    }
    const ann = await userApi(server, 'ann', 'secret-pass');
    video = await uploadTranscoded(ann, clip, 'Une vidéo signalée');
    browser = await launchChromium();
  });

  after(() => teardown({ browser, server, tmp }));

  /** A fresh context logged in as `username` through the login page. */
  async function loggedIn(username, password) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, server.baseUrl, username, password);
    return page;
  }

  it('a report from the watch page, accepted in Moderation, and a ban from Users', async () => {
    // Sam reports the video.
    const sam = await loggedIn('sam', 'secret-pass');
    await sam.goto(`${server.baseUrl}/w/${video.shortUUID}`);
    await sam.click('details.report-form summary');
    const form = sam.locator('details.report-form form');
    await form.locator('input[name=predefinedReasons]').first().check();
    await form.locator('textarea[name=reason]').fill('Ce contenu enfreint les règles');
    await Promise.all([sam.waitForNavigation(), form.locator('button[type=submit]').click()]);
    assert.ok(await sam.locator('p.notice[role=status]').isVisible(), 'the page says the report was sent');

    // The administrator sees it in place and accepts it.
    const admin = await loggedIn('root', server.password);
    await admin.click('a[href="/admin/moderation"]');
    const report = admin.locator('li.report', { hasText: 'Ce contenu enfreint les règles' });
    assert.equal(await report.count(), 1);
    assert.ok(await report.locator('.reported', { hasText: 'Une vidéo signalée' }).isVisible(), 'the video is shown in place');
    await report.locator('textarea[name=comment]').fill('Merci, c’est traité.');
    await Promise.all([admin.waitForNavigation(), report.locator('button[name=state][value="3"]').click()]);
    const samApi = await userApi(server, 'sam', 'secret-pass');
    const mine = await samApi.get('/api/v1/users/me/abuses');
    assert.equal(mine.data[0].state.id, 3, JSON.stringify(mine.data[0].state));
    await admin.click('nav.tabs a[href="/admin/moderation?state=3"]');
    await admin.getByText('Merci, c’est traité.').waitFor(); // accepted, with its comment
    const told = await samApi.get('/api/v1/users/me/notifications?unread=true');
    assert.ok(told.data.some((n) => n.type === 15), 'the reporter is told of the decision');

    // The administrator bans Ann from Users.
    const ann = await userApi(server, 'ann', 'secret-pass');
    await admin.click('a[href="/admin/users"]');
    await admin.fill('input[name=search]', 'ann');
    await Promise.all([admin.waitForNavigation(), admin.click('form[role=search] button[type=submit]')]);
    const row = admin.locator('li.report', { hasText: 'ann@example.org' });
    assert.equal(await row.count(), 1);
    await row.locator('details', { hasText: 'Ban' }).locator('summary').click();
    await row.locator('input[name=reason]').fill('Vidéos contraires aux règles');
    await Promise.all([admin.waitForNavigation(), row.locator('form[action$="/ban"] button').click()]);
    const banned = await fetch(`${server.baseUrl}/api/v1/users/me`, { headers: ann.auth });
    assert.equal(banned.status, 401, 'her token ends at once');
    const after = admin.locator('li.report', { hasText: 'ann@example.org' });
    assert.ok(await after.locator('.error').isVisible(), 'the page says banned');
    assert.ok(await after.getByText('Vidéos contraires aux règles').isVisible());
    await Promise.all([admin.waitForNavigation(), after.locator('form[action$="/unban"] button').click()]);
    await userApi(server, 'ann', 'secret-pass'); // she may log in again
  });
});
