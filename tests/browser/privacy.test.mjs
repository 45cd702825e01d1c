// A private video in headless Chromium against a real `ruche serve`: its owner, logged in through
// the page, plays it from the private path (the session opens its files); in a private window
// (a fresh context, nobody logged in) the same playlist and segment answer 403, the watch page
// says it is not there, and the home page does not list it; a `videoFileToken` from the API
// opens the files to a player that carries it on (`reinjectVideoFileToken`), as PeerTube's does.
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/privacy.test.mjs
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, launchChromium, rootApi, run, startRuche, teardown, uploadTranscoded, logIn } from './helpers.mjs';

const TOTAL_BUDGET_MS = 240_000;

describe('a private video', { timeout: TOTAL_BUDGET_MS }, () => {
  let tmp;
  let server;
  let browser;
  let root;
  let video; // the API's VideoDetails

  before(async () => {
    const bin = process.env.RUCHE_BIN;
    if (!bin) throw new Error('RUCHE_BIN is not set');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-privacy-'));
    const clip = path.join(tmp, 'clip.mp4');
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=4',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '25',
      '-c:a', 'aac', '-shortest', clip,
    ]);
    const data = path.join(tmp, 'data');
    await mkdir(data);
    server = await startRuche(bin, data);
    root = await rootApi(server);
    video = await uploadTranscoded(root, clip, 'Rien que pour moi', 3);
    browser = await launchChromium();
  });

  after(() => teardown({ browser, server, tmp }));

  it('plays for its owner from the private path, and nobody else gets a byte', async () => {
    const master = video.streamingPlaylists[0].playlistUrl;
    assert.match(master, new RegExp(`/static/streaming-playlists/hls/private/${video.uuid}/`));

    // The owner, logged in through the page.
    const owner = await browser.newContext();
    const page = await owner.newPage();
    const segments = [];
    page.on('response', (r) => {
      if (r.url().includes('/hls/private/') && r.url().includes('.mp4')) segments.push({ url: r.url(), status: r.status() });
    });
    await logIn(page, server.baseUrl, 'root', server.password);
    await page.goto(`${server.baseUrl}/w/${video.shortUUID}`);
    await page.locator('video#player').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => {
      const v = document.querySelector('video#player');
      return v.currentTime > 1 || v.error !== null;
    }, null, { polling: 100, timeout: 30_000 });
    assert.equal(await page.evaluate(() => document.querySelector('video#player').error?.code ?? null), null);
    assert.ok(segments.length > 0, 'segments came from the private path');
    assert.ok(segments.every((s) => s.status === 200 || s.status === 206), JSON.stringify(segments));

    // A private window: the playlist, a segment the owner loaded, the watch page and the home page.
    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    for (const url of [master, segments[0].url]) {
      const r = await other.request.get(url);
      assert.equal(r.status(), 403, url);
    }
    const watch = await other.goto(`${server.baseUrl}/w/${video.shortUUID}`);
    assert.equal(watch.status(), 404);
    await other.goto(`${server.baseUrl}/`);
    assert.ok(!(await other.content()).includes('Rien que pour moi'), 'not on the home page');

    // With a token from the API, carried on by the playlists, the same window gets each file.
    const t = await json(await fetch(`${server.baseUrl}/api/v1/videos/${video.uuid}/token`, { method: 'POST', headers: root.auth }));
    const src = `${master}?videoFileToken=${t.files.token}&reinjectVideoFileToken=true`;
    // (From the site's own page: a private video's files carry no CORS header.)
    const played = await other.evaluate(async (src) => {
      const r = await fetch(src);
      if (r.status !== 200) return `master ${r.status}`;
      const text = await r.text();
      const variant = text.split('\n').find((l) => l.includes('.m3u8?videoFileToken='));
      if (!variant) return 'no variant carrying the token';
      const base = src.slice(0, src.lastIndexOf('/') + 1);
      const media = await (await fetch(base + variant)).text();
      const segment = media.split('\n').find((l) => !l.startsWith('#') && l.includes('.mp4?videoFileToken='));
      if (!segment) return 'no segment carrying the token';
      const s = await fetch(base + segment, { headers: { range: 'bytes=0-1023' } });
      return s.status;
    }, src);
    assert.equal(played, 206);
    await owner.close();
    await stranger.close();
  });
});
