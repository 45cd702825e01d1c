// Editing a video in headless Chromium against a real `ruche serve`, as its owner does it from
// *My videos*: a new title and a thumbnail picked from a frame of the video (drawn on a canvas,
// sent with the form), then the video made private (gone from the home page, its segments 403
// in a private window), then password-protected (a private window is asked for the password
// and plays once it is given).
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/edit.test.mjs
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchChromium, makeTestClip, rootApi, startRuche, teardown, uploadTranscoded, logIn } from './helpers.mjs';

const TOTAL_BUDGET_MS = 240_000;

describe('editing a video from My videos', { timeout: TOTAL_BUDGET_MS }, () => {
  let tmp;
  let server;
  let browser;
  let root;
  let video;

  before(async () => {
    const bin = process.env.RUCHE_BIN;
    if (!bin) throw new Error('RUCHE_BIN is not set');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-edit-'));
    const clip = path.join(tmp, 'clip.mp4');
    await makeTestClip(clip);
    const data = path.join(tmp, 'data');
    await mkdir(data);
    server = await startRuche(bin, data);
    root = await rootApi(server);
    video = await uploadTranscoded(root, clip, 'Titre provisoire', 1);
    browser = await launchChromium();
  });

  after(() => teardown({ browser, server, tmp }));

  it('changes title and thumbnail, then privacy, and nobody else sees what they should not', async () => {
    const owner = await browser.newContext();
    const page = await owner.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await logIn(page, server.baseUrl, 'root', server.password);

    // My videos → Edit.
    await page.goto(`${server.baseUrl}/my-videos`);
    await Promise.all([page.waitForNavigation(), page.click(`#video-${video.id} a[href$="/edit"]`)]);
    await page.fill('#edit-form input[name=name]', 'Un bien meilleur titre');
    await page.fill('#edit-form input[name=tags]', 'essai, vidéo');

    // A frame of the video as its thumbnail: the picker shows once the script runs.
    await page.locator('.frame-picker').waitFor({ state: 'visible' });
    await page.waitForFunction(() => document.getElementById('frame-video').readyState >= 1, null, { timeout: 20_000 });
    await page.locator('#frame-time').evaluate((el) => { el.value = '2'; el.dispatchEvent(new Event('input')); });
    await page.waitForFunction(() => {
      const v = document.getElementById('frame-video');
      return !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - 2) < 0.5;
    }, null, { timeout: 20_000 });
    await page.click('#frame-use');
    await page.locator('#frame-picked').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.querySelector('#edit-form input[name=thumbnailfile]').files.length), 1);
    await Promise.all([page.waitForNavigation(), page.click('#edit-form button[type=submit]')]);
    assert.ok((await page.locator('p.notice[role=status]').textContent()).length > 0, 'saved, and said so');

    const edited = await root.get(`/api/v1/videos/${video.uuid}`);
    assert.equal(edited.name, 'Un bien meilleur titre');
    assert.deepEqual(edited.tags, ['essai', 'vidéo']);
    assert.notEqual(edited.thumbnailPath, video.thumbnailPath, 'a new thumbnail');
    const thumb = await fetch(`${server.baseUrl}${edited.thumbnailPath}`);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');

    // Found by the header's search box, by a word of its new title, accents ignored.
    await page.goto(`${server.baseUrl}/`);
    await page.fill('.header-search input[name=search]', 'MEILLEUR titre');
    await Promise.all([page.waitForNavigation(), page.press('.header-search input[name=search]', 'Enter')]);
    assert.match(page.url(), /\/search\?search=MEILLEUR/);
    assert.equal(await page.locator('ul.grid li.card strong').first().textContent(), 'Un bien meilleur titre');
    await page.screenshot({ path: path.join(tmp, 'search.png'), fullPage: true });
    await page.goto(`${server.baseUrl}/my-videos/${video.id}/edit`);
    await page.screenshot({ path: path.join(tmp, 'edit.png'), fullPage: true });
    if (process.env.RUCHE_SCREENSHOTS) {
      const { copyFile } = await import('node:fs/promises');
      for (const f of ['search.png', 'edit.png']) await copyFile(path.join(tmp, f), path.join(process.env.RUCHE_SCREENSHOTS, f));
    }

    // Made private from the same form.
    await page.selectOption('#edit-form select[name=privacy]', '3');
    await Promise.all([page.waitForNavigation(), page.click('#edit-form button[type=submit]')]);
    const secret = await root.get(`/api/v1/videos/${video.uuid}`);
    assert.equal(secret.privacy.id, 3);
    const master = secret.streamingPlaylists[0].playlistUrl;
    assert.match(master, /\/private\//);

    // A private window: not on the home page, playlist and segment refused.
    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await other.goto(`${server.baseUrl}/`);
    assert.ok(!(await other.content()).includes('Un bien meilleur titre'), 'not on the home page');
    const segment = secret.streamingPlaylists[0].files[0].fileUrl;
    for (const url of [master, segment]) {
      assert.equal((await other.request.get(url)).status(), 403, url);
    }

    // Password-protected: the private window is asked, and plays once it gives the password.
    await page.selectOption('#edit-form select[name=privacy]', '5');
    await page.fill('#edit-form textarea[name=passwords]', 'sésame');
    await Promise.all([page.waitForNavigation(), page.click('#edit-form button[type=submit]')]);
    const watch = await other.goto(`${server.baseUrl}/w/${video.shortUUID}`);
    assert.equal(watch.status(), 403);
    await other.fill('#video-password-form input[name=password]', 'pas ça');
    await Promise.all([other.waitForNavigation(), other.click('#video-password-form button[type=submit]')]);
    assert.ok(await other.locator('p.error[role=alert]').isVisible(), 'a wrong password is said');
    await other.fill('#video-password-form input[name=password]', 'sésame');
    await Promise.all([other.waitForNavigation(), other.click('#video-password-form button[type=submit]')]);
    await other.locator('video#player').focus();
    await other.keyboard.press('Space');
    await other.waitForFunction(() => {
      const v = document.querySelector('video#player');
      return v.currentTime > 1 || v.error !== null;
    }, null, { polling: 100, timeout: 30_000 });
    assert.equal(await other.evaluate(() => document.querySelector('video#player').error?.code ?? null), null);

    assert.deepEqual(errors, []);
    await owner.close();
    await stranger.close();
  });
});
