// Checks the vendored hls.js ES module in headless Chromium, without the
// Ruche server: a tiny static server serves assets/vendor/ and an HLS
// (fMP4) rendition made with ffmpeg; the page imports
// '/assets/vendor/hls.js/hls.min.mjs' (default export) and plays it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, ensureOutDir, launchChromium, makeTestClip, run } from './helpers.mjs';

const VENDOR_DIR = path.join(REPO_ROOT, 'assets', 'vendor');

const TYPES = {
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
};

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>hls.js vendor check</title>
<video id="v" muted playsinline width="320" height="240"></video>
<script type="module">
import Hls from '/assets/vendor/hls.js/hls.min.mjs';
const v = document.getElementById('v');
window.__result = { type: typeof Hls, version: Hls.version, supported: Hls.isSupported() };
if (Hls.isSupported()) {
  const hls = new Hls();
  hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) window.__hlsError = d.type + ': ' + d.details; });
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    v.play().catch((e) => { window.__playError = String(e); });
  });
  hls.loadSource('/hls/index.m3u8');
  hls.attachMedia(v);
}
</script>
`;

function serve(root, hlsDir) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let file;
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': TYPES['.html'] });
      res.end(PAGE);
      return;
    } else if (url.pathname.startsWith('/assets/vendor/')) {
      file = path.join(root, path.normalize(url.pathname.slice('/assets/vendor/'.length)));
      if (!file.startsWith(root + path.sep)) file = null;
    } else if (url.pathname.startsWith('/hls/')) {
      file = path.join(hlsDir, path.normalize(url.pathname.slice('/hls/'.length)));
      if (!file.startsWith(hlsDir + path.sep)) file = null;
    }
    try {
      if (!file) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('vendored hls.js', { timeout: 120_000 }, () => {
  let tmp;
  let server;
  let browser;
  let base;
  let expectedVersion;

  before(async () => {
    const versionFile = await readFile(path.join(VENDOR_DIR, 'hls.js', 'VERSION'), 'utf8');
    expectedVersion = versionFile.split('\n')[0].replace(/^hls\.js@/, '');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-vendor-'));
    const clip = await makeTestClip(path.join(tmp, 'clip.mp4'));
    const hlsDir = path.join(tmp, 'hls');
    await mkdir(hlsDir);
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', clip,
      '-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
      '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4',
      '-hls_segment_filename', path.join(hlsDir, 'seg-%d.m4s'),
      path.join(hlsDir, 'index.m3u8'),
    ]);
    server = await serve(VENDOR_DIR, hlsDir);
    base = `http://127.0.0.1:${server.address().port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await new Promise((r) => (server ? server.close(r) : r()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('imports as an ES module (default export) and plays HLS', async () => {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      await page.goto(base + '/');
      await page.waitForFunction(() => window.__result, null, { timeout: 15_000 });
      const result = await page.evaluate(() => window.__result);
      assert.equal(result.type, 'function', 'default export is the Hls class');
      assert.equal(result.version, expectedVersion, 'Hls.version matches VERSION');
      assert.equal(result.supported, true, 'Hls.isSupported() in Chromium');

      try {
        await page.waitForFunction(() => document.getElementById('v').currentTime > 1.0, null, {
          timeout: 20_000,
          polling: 100,
        });
      } catch (err) {
        const state = await page.evaluate(() => {
          const v = document.getElementById('v');
          return {
            currentTime: v.currentTime, readyState: v.readyState, paused: v.paused,
            error: v.error && v.error.code, hlsError: window.__hlsError, playError: window.__playError,
          };
        });
        throw new Error(`playback did not advance: ${JSON.stringify(state)}; page errors: ${errors.join(' | ')}`, { cause: err });
      }
      const h = await page.evaluate(() => document.getElementById('v').videoHeight);
      assert.equal(h, 240);
      await page.screenshot({ path: path.join(await ensureOutDir(), 'vendor-hls.png') });
    } finally {
      await page.close();
    }
  });
});
