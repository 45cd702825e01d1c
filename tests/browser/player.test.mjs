// The player in headless Chromium against a real `ruche serve`: a clip with several renditions
// is uploaded through PeerTube's API; the embed page plays it adaptively with hls.js and counts a
// view, the watch page plays HLS without ever fetching the progressive file and resumes where a
// logged-in viewer stopped, the page without script still plays the file, and the assets come compressed as asked, identical once decoded.
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/player.test.mjs
import assert from 'node:assert/strict';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { ensureOutDir, json, launchChromium, rootApi, run, sleep, startRuche, teardown, logIn } from './helpers.mjs';

const TOTAL_BUDGET_MS = 300_000;
const TRANSCODE_TIMEOUT_MS = 150_000;
const PLAYBACK_TIMEOUT_MS = 30_000;

/** A 4 s 854x480 clip (so the ladder is 480p, 360p, 240p), keyframe every second. */
async function makeClip(file) {
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=25:duration=4',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4',
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2', '-t', '4', '-shortest', '-movflags', '+faststart',
    file,
  ]);
  return file;
}

/** GET with exactly these headers (no decoding): { status, headers, body: Buffer }. */
function rawGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('the player, the embed and compressed assets', { timeout: TOTAL_BUDGET_MS }, () => {
  let tmp;
  let server;
  let browser;
  let video; // { uuid, short }
  let api; // (path) => JSON of a GET

  before(async () => {
    const bin = process.env.RUCHE_BIN;
    if (!bin) throw new Error('RUCHE_BIN is not set: build the server and run e.g. RUCHE_BIN=target/debug/ruche node --test tests/browser/');
    await access(bin, fsConstants.X_OK);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-player-'));
    const clip = await makeClip(path.join(tmp, 'clip.mp4'));
    const data = path.join(tmp, 'data');
    await mkdir(data);
    server = await startRuche(bin, data);

    // Log in and upload by PeerTube's API.
    const root = await rootApi(server);
    api = root.get;
    const up = await root.upload(clip, 'Player test clip');

    // Published with its whole ladder.
    const deadline = Date.now() + TRANSCODE_TIMEOUT_MS;
    for (;;) {
      const v = await api(`/api/v1/videos/${up.video.uuid}`);
      const files = v.streamingPlaylists?.[0]?.files ?? [];
      if (v.state?.id === 1 && files.length >= 3) {
        video = { uuid: v.uuid, short: v.shortUUID };
        break;
      }
      if (Date.now() > deadline) throw new Error(`not transcoded in time: ${JSON.stringify({ state: v.state, files: files.length })}`);
      await sleep(250);
    }
    browser = await launchChromium();
  });

  after(() => teardown({ browser, server, tmp }));

  /** A page in a fresh context that records its errors and requests. */
  async function openPage(options = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(PLAYBACK_TIMEOUT_MS);
    const errors = [];
    const requests = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console.error: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
    page.on('request', (r) => requests.push({ url: r.url(), type: r.resourceType(), range: r.headers().range ?? null }));
    return { page, context, errors, requests };
  }

  /** Presses play as a viewer does (Space on the player) and waits until playback passes `t` seconds. */
  async function playPast(page, t) {
    await page.locator('video#player').focus();
    await page.keyboard.press('Space');
    await waitPast(page, t);
  }

  async function waitPast(page, t) {
    try {
      await page.waitForFunction((t) => {
        const v = document.querySelector('video#player');
        return v.currentTime > t || v.error !== null;
      }, t, { polling: 100 });
    } catch (err) {
      const state = await page.evaluate(() => {
        const v = document.querySelector('video#player');
        return { currentTime: v.currentTime, paused: v.paused, readyState: v.readyState, src: v.currentSrc, player: v.dataset.player };
      });
      throw new Error(`playback did not pass ${t} s: ${JSON.stringify(state)}`, { cause: err });
    }
    const error = await page.evaluate(() => document.querySelector('video#player').error?.code ?? null);
    assert.equal(error, null, 'no media error');
  }

  it('serves assets compressed as asked, identical once decoded', { timeout: 90_000 }, async () => {
    for (const p of ['/assets/vendor/hls.js/hls.min.mjs', '/assets/js/watch.js', '/assets/css/ruche.css']) {
      const url = server.baseUrl + p;
      const plain = await rawGet(url, { 'accept-encoding': 'identity' });
      assert.equal(plain.status, 200, p);
      assert.equal(plain.headers['content-encoding'], undefined, `${p}: identity is sent as it is`);
      assert.match(plain.headers.vary ?? '', /accept-encoding/i, `${p}: Vary`);
      const tags = new Set([plain.headers.etag]);
      for (const [asked, expected, decode] of [
        ['gzip, deflate, br, zstd', 'br', zlib.brotliDecompressSync],
        ['br', 'br', zlib.brotliDecompressSync],
        ['gzip', 'gzip', zlib.gunzipSync],
        ['br;q=0, gzip', 'gzip', zlib.gunzipSync],
      ]) {
        const res = await rawGet(url, { 'accept-encoding': asked });
        assert.equal(res.status, 200, `${p} (${asked})`);
        assert.equal(res.headers['content-encoding'], expected, `${p} (${asked})`);
        assert.match(res.headers.vary ?? '', /accept-encoding/i);
        assert.ok(res.body.length < plain.body.length, `${p}: ${expected} is smaller`);
        assert.ok(decode(res.body).equals(plain.body), `${p}: ${expected} decodes to the file`);
        tags.add(res.headers.etag);
        // Revalidation: the same representation's tag is 304, another encoding's is not.
        const again = await rawGet(url, { 'accept-encoding': asked, 'if-none-match': res.headers.etag });
        assert.equal(again.status, 304, `${p} (${asked}): 304 with its own ETag`);
        assert.equal(again.headers.etag, res.headers.etag);
        const other = await rawGet(url, { 'accept-encoding': asked, 'if-none-match': plain.headers.etag });
        assert.equal(other.status, 200, `${p} (${asked}): the identity ETag does not match`);
      }
      assert.equal(tags.size, 3, `${p}: one ETag per encoding (${[...tags].join(' ')})`);
    }
    // Already compressed files are sent as they are.
    const png = await rawGet(`${server.baseUrl}/assets/vendor/leaflet/marker-icon.png`, { 'accept-encoding': 'br, gzip' });
    assert.equal(png.status, 200);
    assert.equal(png.headers['content-encoding'], undefined);
  });

  it('plays the embed adaptively with hls.js and counts a view, with no console error', { timeout: 90_000 }, async () => {
    const viewsBefore = (await api(`/api/v1/videos/${video.uuid}`)).views;
    const { page, context, errors, requests } = await openPage();
    try {
      await page.goto(`${server.baseUrl}/videos/embed/${video.short}`);
      // hls.js is imported once the page is idle, and reads the master playlist.
      await page.waitForFunction(() => document.querySelector('video#player').dataset.player === 'hls.js');
      const levels = await page.evaluate(() => Number(document.querySelector('video#player').dataset.levels));
      assert.ok(levels > 1, `hls.js sees the ladder (${levels} levels)`);
      assert.equal(requests.filter((r) => r.url.endsWith('.mp4')).length, 0, 'no media is fetched before play');

      const view = page.waitForResponse((r) => r.url().endsWith(`/api/v1/videos/${video.uuid}/views`) && r.request().method() === 'POST');
      await playPast(page, 1.5);
      assert.ok((await view).ok(), 'the view is posted');
      const src = await page.evaluate(() => document.querySelector('video#player').currentSrc);
      assert.match(src, /^blob:/, 'playing from Media Source Extensions');
      // The first segment comes from the rung nearest 480p (here the top one), not the lowest.
      const first = requests.find((r) => r.type !== 'media' && /-fragmented\.mp4$/.test(r.url));
      assert.match(first?.url ?? '', /-480-fragmented\.mp4$/, 'starts at the middle of the ladder');

      for (;;) {
        const v = await api(`/api/v1/videos/${video.uuid}`);
        if (v.views > viewsBefore) break;
        await sleep(100);
      }
      assert.deepEqual(errors, []);
      await page.screenshot({ path: path.join(await ensureOutDir(), 'embed.png') });
    } finally {
      await context.close();
    }
  });

  it('plays HLS on the watch page without fetching the progressive file', { timeout: 90_000 }, async () => {
    const { page, context, errors, requests } = await openPage();
    try {
      // hls.js is held back until the viewer has pressed play: the press is kept, not lost.
      let asked;
      const hlsAsked = new Promise((r) => { asked = r; });
      let release;
      const held = new Promise((r) => { release = r; });
      await page.route('**/assets/vendor/hls.js/hls.min.mjs', async (route) => {
        asked();
        await held;
        await route.continue();
      });
      await page.goto(`${server.baseUrl}/w/${video.short}`);
      await hlsAsked;
      await page.locator('video#player').focus();
      await page.keyboard.press('Space');
      assert.equal(await page.evaluate(() => document.querySelector('video#player').dataset.player), undefined, 'pressed before hls.js');
      release();
      await page.waitForFunction(() => document.querySelector('video#player').dataset.player === 'hls.js');
      // The quality menu: Auto and each rung.
      const options = await page.locator('select#quality option').allTextContents();
      assert.equal(options.length, 4, `Auto and three rungs: ${options}`);
      assert.deepEqual(options.slice(1), ['480p', '360p', '240p']);
      await waitPast(page, 1.5);
      // hls.js reads renditions by byte ranges; the <video> element itself fetches no file.
      const media = requests.filter((r) => r.type === 'media' && /^https?:/.test(r.url));
      assert.deepEqual(media, [], 'no progressive request');
      const mp4 = requests.filter((r) => /\.mp4(\?|$)/.test(r.url));
      assert.ok(mp4.length > 0, 'segments were loaded');
      for (const r of mp4) assert.match(r.range ?? '', /^bytes=\d+-\d+$/, `${r.url} is a segment's byte range`);
      assert.deepEqual(errors, []);
      await page.screenshot({ path: path.join(await ensureOutDir(), 'watch-hls.png') });
    } finally {
      await context.close();
    }
  });

  it('keeps where a logged-in viewer stopped and starts there next time', { timeout: 90_000 }, async () => {
    const { page, context, errors } = await openPage();
    try {
      await logIn(page, server.baseUrl, 'root', server.password);
      await page.goto(`${server.baseUrl}/w/${video.short}`);
      await playPast(page, 2);
      await page.keyboard.press('Space'); // pause: the player reports where it is
      const deadline = Date.now() + PLAYBACK_TIMEOUT_MS;
      let history;
      for (;;) {
        history = await api('/api/v1/users/me/history/videos');
        if (history.data?.[0]?.userHistory?.currentTime >= 2) break;
        if (Date.now() > deadline) throw new Error(`no progress kept: ${JSON.stringify(history)}`);
        await sleep(100);
      }
      const kept = history.data[0].userHistory.currentTime;
      assert.equal(history.data[0].uuid, video.uuid);
      // The next visit starts there.
      await page.goto(`${server.baseUrl}/w/${video.short}`);
      assert.equal(await page.locator('video#player').getAttribute('data-resume'), String(kept));
      await page.locator('video#player').focus();
      await page.keyboard.press('Space');
      const first = await page.waitForFunction(() => {
        const v = document.querySelector('video#player');
        return v.currentTime > 0 ? v.currentTime : null;
      }, null, { polling: 50 });
      assert.ok((await first.jsonValue()) >= kept - 0.1, 'playback starts where it was left');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('still plays the file without script', { timeout: 90_000 }, async () => {
    const { page, context, requests } = await openPage({ javaScriptEnabled: false });
    try {
      await page.goto(`${server.baseUrl}/w/${video.short}`);
      assert.equal(await page.locator('video#player').isVisible(), false, 'the scripted player is hidden');
      const fallback = page.locator('.player noscript video, .player video:not(#player)');
      await fallback.waitFor({ state: 'visible' });
      assert.match(await fallback.getAttribute('src'), /\.mp4$/);
      assert.equal(await fallback.getAttribute('preload'), 'none');
      assert.equal(requests.filter((r) => r.type === 'media').length, 0, 'nothing fetched before play');
      // And it plays (started from here: the page itself runs no script).
      await fallback.evaluate((v) => { v.muted = true; return v.play(); });
      // (waitForFunction polls from inside the page, which runs no script here: poll from outside.)
      while (await fallback.evaluate((v) => v.currentTime <= 0.5 && v.error === null)) await sleep(100);
      assert.equal(await fallback.evaluate((v) => v.error?.code ?? null), null, 'no media error');
    } finally {
      await context.close();
    }
  });
});
