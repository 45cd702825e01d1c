// Playlists in headless Chromium against a real `ruche serve`, as a user builds and plays one:
// a playlist made under *My playlists*, two videos saved to it from their watch pages, the
// order changed with ↑, then played through: the first video plays, and when it ends the next
// one opens and plays by itself. The channel page lists the playlist and offers Subscribe.
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/playlists.test.mjs
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchChromium, makeTestClip, rootApi, startRuche, teardown, uploadTranscoded, logIn } from './helpers.mjs';

const TOTAL_BUDGET_MS = 240_000;

describe('building a playlist and playing it through', { timeout: TOTAL_BUDGET_MS }, () => {
  let tmp;
  let server;
  let browser;
  let videos;

  before(async () => {
    const bin = process.env.RUCHE_BIN;
    if (!bin) throw new Error('RUCHE_BIN is not set');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-playlists-'));
    const clip = path.join(tmp, 'clip.mp4');
    await makeTestClip(clip);
    const data = path.join(tmp, 'data');
    await mkdir(data);
    server = await startRuche(bin, data);
    const root = await rootApi(server);
    videos = [
      await uploadTranscoded(root, clip, 'Premier extrait', 1),
      await uploadTranscoded(root, clip, 'Second extrait', 1),
    ];
    browser = await launchChromium();
  });

  after(() => teardown({ browser, server, tmp }));

  it('makes, fills, reorders and plays a playlist', async () => {
    const context = await browser.newContext({ locale: 'fr-FR', extraHTTPHeaders: { 'Accept-Language': 'fr-FR,fr;q=0.9' } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await logIn(page, server.baseUrl, 'root', server.password);

    // My playlists: "Watch later" is there; a public playlist needs a channel, said in French.
    await page.goto(`${server.baseUrl}/my-playlists`);
    assert.equal(await page.locator('h1').innerText(), 'Mes listes de lecture');
    assert.equal(await page.locator('tr.watch-later .name').innerText(), 'À regarder plus tard');
    await page.fill('#playlist-create input[name=display_name]', 'Mon voyage');
    await page.selectOption('#playlist-create select[name=privacy]', '1');
    await page.selectOption('#playlist-create select[name=channel]', '');
    await Promise.all([page.waitForNavigation(), page.click('#playlist-create button[type=submit]')]);
    assert.match(await page.locator('p.error').innerText(), /channel/i);
    await page.fill('#playlist-create input[name=display_name]', 'Mon voyage');
    await page.selectOption('#playlist-create select[name=privacy]', '1');
    await page.selectOption('#playlist-create select[name=channel]', { index: 1 });
    await Promise.all([page.waitForNavigation(), page.click('#playlist-create button[type=submit]')]);
    assert.match(page.url(), /\/my-playlists\/\d+$/);
    const manage = page.url();
    assert.equal(await page.locator('h1').innerText(), 'Mon voyage');
    assert.ok(await page.locator('p.empty').isVisible());

    // Saved from each watch page.
    for (const v of videos) {
      await page.goto(`${server.baseUrl}/w/${v.shortUUID}`);
      await page.selectOption('#save-to select[name=playlist]', { label: 'Mon voyage' });
      await Promise.all([page.waitForNavigation(), page.click('#save-to button[type=submit]')]);
      assert.equal(await page.locator('p.notice[role=status]').first().innerText(), 'Enregistrée dans votre liste.');
    }

    // The second moved up: it plays first.
    await page.goto(manage);
    const names = () => page.locator('ol.playlist-elements .name').allInnerTexts();
    assert.deepEqual(await names(), ['Premier extrait', 'Second extrait']);
    await Promise.all([page.waitForNavigation(), page.click('ol.playlist-elements li:nth-child(2) button[aria-label="Monter"]')]);
    assert.deepEqual(await names(), ['Second extrait', 'Premier extrait']);

    // Played through: the first ends, the next opens and plays by itself.
    await Promise.all([page.waitForNavigation(), page.click('a.button[href^="/w/p/"]')]);
    assert.equal(await page.locator('.playlist-nav a[aria-current=true]').innerText(), 'Second extrait');
    assert.equal(await page.locator('article.watch h1').innerText(), 'Second extrait');
    await page.locator('#player').evaluate((v) => { v.muted = true; return v.play(); }).catch(() => {});
    // Near its end, so the test does not wait for the whole clip.
    await page.waitForFunction(() => document.getElementById('player').readyState >= 1, null, { timeout: 30_000 });
    await page.locator('#player').evaluate((v) => { v.currentTime = Math.max(0, v.duration - 0.5); return v.play(); });
    await page.waitForURL(/playlistPosition=2/, { timeout: 30_000 });
    assert.equal(await page.locator('article.watch h1').innerText(), 'Premier extrait');
    await page.waitForFunction(() => {
      const v = document.getElementById('player');
      return !v.paused && v.currentTime > 0.2;
    }, null, { timeout: 30_000 });
    assert.equal(await page.locator('#playlist-next').count(), 0, 'the last one has no next');

    // The channel's page lists it, with its followers and Subscribe.
    await page.goto(`${server.baseUrl}/c/root_channel`);
    assert.equal(await page.locator('ul.playlists .title').innerText(), 'Mon voyage');
    assert.match(await page.locator('.followers').innerText(), /abonné/);
    await Promise.all([page.waitForNavigation(), page.click('form.subscribe button')]);
    assert.equal(await page.locator('form.subscribe button').innerText(), 'Se désabonner');
    assert.match(await page.locator('.followers').innerText(), /^1 abonné$/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  it('keeps a private playlist from strangers', async () => {
    const root = await rootApi(server);
    const made = await fetch(`${server.baseUrl}/api/v1/video-playlists`, {
      method: 'POST',
      headers: { ...root.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Secret', privacy: 3 }),
    }).then((r) => r.json());
    const stranger = await browser.newContext();
    const page = await stranger.newPage();
    const res = await page.goto(`${server.baseUrl}/w/p/${made.videoPlaylist.shortUUID}`);
    assert.equal(res.status(), 404);
    await stranger.close();
  });
});
