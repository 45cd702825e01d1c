// Segments shared between viewers, in headless Chromium against a real `ruche serve`: two
// browser contexts watching one video meet through the instance's tracker and exchange segments
// over WebRTC (on this machine only); a peer that serves corrupted segments is refused and the
// video still plays to its end from the server; a viewer's "Share" choice is remembered; and
// with the instance's P2P switched off the page neither offers nor opens anything of it.
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/p2p.test.mjs
import assert from 'node:assert/strict';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WEBRTC_LOOPBACK_ARGS, json, launchChromium, rootApi, run, sleep, startRuche, stopRuche } from './helpers.mjs';

const TOTAL_BUDGET_MS = 180_000;
const TRANSCODE_TIMEOUT_MS = 60_000;
const STEP_TIMEOUT_MS = 60_000; // one wait for a condition (a whole play of the clip at most)
// Long enough that a viewer loads the segments near the playhead over HTTP (p2p-media-loader's
// 15 s high-demand window) and later ones from peers: 9 segments of 4 s (the ladder's HLS time).
const CLIP_SECONDS = 36;
// The first viewer plays the whole clip this much faster, to hold every segment sooner.
const FAST = 4;

/** A CLIP_SECONDS 320x240 clip with a keyframe every second (segments are cut every 4 s). */
async function makeClip(file) {
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:duration=${CLIP_SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${CLIP_SECONDS}`,
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '64k', '-ac', '2', '-t', String(CLIP_SECONDS), '-shortest', '-movflags', '+faststart',
    file,
  ]);
  return file;
}

const TRACKER_SOCKET = /\/tracker\/socket/;
const SEGMENTS = /-fragmented\.mp4(\?|$)/;

describe('segments shared between viewers', { timeout: TOTAL_BUDGET_MS }, () => {
  let tmp;
  let data;
  let bin;
  let server;
  const logs = []; // every server's output, for a failure
  let browser;
  let video; // { uuid, short, mediaBytes: the sum of the media segments' lengths }
  const viewers = new Set(); // open contexts, closed after each test

  before(async () => {
    bin = process.env.RUCHE_BIN;
    if (!bin) throw new Error('RUCHE_BIN is not set: build the server and run e.g. RUCHE_BIN=target/debug/ruche node --test tests/browser/');
    await access(bin, fsConstants.X_OK);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-p2p-'));
    const clip = await makeClip(path.join(tmp, 'clip.mp4'));
    data = path.join(tmp, 'data');
    await mkdir(data);
    server = await startRuche(bin, data, { RUCHE_TRANSCODING_RESOLUTIONS: '240' });
    logs.push(server.log);

    const root = await rootApi(server);
    const api = root.get;
    const up = await root.upload(clip, 'P2P test clip');

    const deadline = Date.now() + TRANSCODE_TIMEOUT_MS;
    for (;;) {
      const v = await api(`/api/v1/videos/${up.video.uuid}`);
      const hls = v.streamingPlaylists?.[0];
      if (v.state?.id === 1 && hls?.files?.length && hls.segmentsSha256Url) {
        const table = await json(await fetch(hls.segmentsSha256Url));
        const mediaBytes = Object.values(table)
          .flatMap((ranges) => Object.keys(ranges))
          .map((r) => r.split('-').map(Number))
          .reduce((sum, [start, end]) => sum + end - start + 1, 0);
        video = { uuid: v.uuid, short: v.shortUUID, mediaBytes };
        break;
      }
      if (Date.now() > deadline) throw new Error(`not transcoded in time: ${JSON.stringify(v.state)}`);
      await sleep(250);
    }
    browser = await launchChromium(WEBRTC_LOOPBACK_ARGS);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server) await stopRuche(server.child);
    if (process.exitCode) process.stderr.write(`----- server output -----\n${logs.map((l) => l.join('')).join('\n----- restarted -----\n').slice(-20_000)}\n`);
    if (tmp) await rm(tmp, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  });

  async function closeViewers() {
    await Promise.all([...viewers].map((v) => v.context.close().catch(() => {})));
    viewers.clear();
  }

  /**
   * A viewer in a fresh browser context: muted, p2p-media-loader's debug log on (kept, and shown
   * when a wait fails), page errors and tracker WebSockets recorded. `corrupt`: the segments this
   * viewer downloads are altered in flight (same length, same range), so it serves peers bytes
   * that are not the origin's. `rate`: its playback rate.
   */
  async function openViewer(name, { corrupt = false, rate = 1 } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const viewer = { name, context, log: [], errors: [], sockets: [], corrupted: 0 };
    viewers.add(viewer);
    await context.addInitScript((rate) => {
      try {
        localStorage.debug = 'p2pml-core:*';
      } catch {}
      document.addEventListener('DOMContentLoaded', () => {
        const v = document.getElementById('player');
        if (!v) return;
        v.muted = true;
        v.defaultPlaybackRate = rate;
        v.playbackRate = rate;
      });
    }, rate);
    if (corrupt) {
      await context.route(SEGMENTS, async (route) => {
        const response = await route.fetch();
        const body = Buffer.from(await response.body());
        // A media segment (not the init segment): flip the low byte of its movie fragment's
        // sequence number (mfhd: size, type, version and flags, sequence). The player that
        // downloaded it plays on; its SHA-256 is no longer the origin's.
        const mfhd = body.indexOf('mfhd');
        if (response.status() === 206 && mfhd >= 4) {
          body[mfhd + 11] ^= 0xff;
          viewer.corrupted += 1;
        }
        await route.fulfill({ response, body });
      });
    }
    const page = await context.newPage();
    viewer.page = page;
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (e) => viewer.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text().replace(/%c/g, '').replace(/ color: \S+/g, '');
      viewer.log.push(`${m.type()}: ${text}`);
      if (viewer.log.length > 300) viewer.log.shift();
      if (m.type() === 'error' && !text.startsWith('Failed to load resource')) viewer.errors.push(`console.error: ${text}`);
    });
    page.on('websocket', (ws) => viewer.sockets.push(ws.url()));
    return viewer;
  }

  /** The player's state and counters. */
  const state = (viewer) =>
    viewer.page.evaluate(() => {
      const v = document.getElementById('player');
      const { hls, src, sha256, stun, ...counters } = v.dataset;
      return {
        currentTime: v.currentTime,
        duration: v.duration,
        ended: v.ended,
        paused: v.paused,
        error: v.error?.code ?? null,
        stats: document.getElementById('p2p-stats')?.value ?? null,
        ...counters,
      };
    });

  /** Waits until `fn(arg)` holds in the viewer's page, or fails with its state and debug log. */
  async function until(viewer, what, fn, arg) {
    try {
      await viewer.page.waitForFunction(fn, arg, { polling: 250, timeout: STEP_TIMEOUT_MS });
    } catch (err) {
      let s = null;
      try {
        s = await state(viewer);
      } catch {}
      throw new Error(`${viewer.name}: ${what} did not happen: ${JSON.stringify(s)}\n--- ${viewer.name}'s console ---\n${viewer.log.slice(-80).join('\n')}`, { cause: err });
    }
  }

  const waitEnded = (viewer) =>
    until(viewer, 'playing to the end', () => {
      const v = document.getElementById('player');
      return v.ended || v.error !== null;
    });

  /** Presses play as a viewer does (Space on the player). */
  async function pressPlay(viewer) {
    await viewer.page.locator('video#player').focus();
    await viewer.page.keyboard.press('Space');
  }

  it('two viewers exchange segments over WebRTC', { timeout: 120_000 }, async () => {
    try {
      // A watches the whole video first, so it holds every segment.
      const a = await openViewer('A', { rate: FAST });
      await a.page.goto(`${server.baseUrl}/videos/embed/${video.short}?autoplay=1`);
      await waitEnded(a);
      const sa = await state(a);
      assert.equal(sa.error, null, 'A: no media error');
      assert.equal(sa.p2p, 'on', 'A plays through p2p-media-loader');
      assert.ok(a.sockets.some((u) => TRACKER_SOCKET.test(u)), `A announced to the tracker: ${a.sockets}`);

      // Then B watches it on the watch page: segments ahead of the HTTP window come from A.
      const b = await openViewer('B');
      await b.page.goto(`${server.baseUrl}/w/${video.short}`);
      await b.page.locator('#p2p').waitFor({ state: 'visible' });
      assert.equal(await b.page.locator('#p2p-share').isChecked(), true, 'sharing is on by default');
      await pressPlay(b);
      await until(b, 'bytes from a peer, and a peer shown', () => {
        const v = document.getElementById('player');
        const peers = Number(document.getElementById('p2p-stats').value.match(/\d+/)?.[0] ?? 0);
        return (Number(v.dataset.p2pBytes) > 0 && peers >= 1) || v.error !== null || v.ended;
      });
      const sb = await state(b);
      assert.ok(Number(sb.p2pBytes) > 0, `B received bytes from a peer: ${JSON.stringify(sb)}`);
      assert.ok(Number(sb.stats.match(/\d+/)?.[0]) >= 1, `B's panel shows a peer: ${sb.stats}`);
      assert.ok(!Number(sb.p2pRefused), `an honest peer's segments pass the hash check: ${JSON.stringify(sb)}`);
      await until(a, 'uploading to a peer', () => Number(document.getElementById('player').dataset.p2pUploaded) > 0);
      await until(b, 'playing on', () => document.getElementById('player').currentTime > 1);
      assert.equal((await state(b)).error, null, 'B: no media error');
      assert.deepEqual([...a.errors, ...b.errors], [], 'no page or console error');
    } finally {
      await closeViewers();
    }
  });

  it('refuses a lying peer’s segments and still plays to the end from the server', { timeout: 120_000 }, async () => {
    try {
      const a = await openViewer('A (lying)', { corrupt: true, rate: FAST });
      await a.page.goto(`${server.baseUrl}/videos/embed/${video.short}?autoplay=1`);
      await waitEnded(a);
      const sa = await state(a);
      assert.equal(sa.error, null, 'A: no media error');
      assert.ok(a.corrupted > 0, 'A downloaded altered segments');

      const b = await openViewer('B');
      await b.page.goto(`${server.baseUrl}/videos/embed/${video.short}?autoplay=1`);
      await waitEnded(b);
      const sb = await state(b);
      assert.equal(sb.error, null, `B: no media error: ${JSON.stringify(sb)}`);
      assert.equal(sb.player, 'hls.js', 'B stayed on hls.js');
      assert.equal(sb.ended, true);
      assert.ok(sb.currentTime >= sb.duration - 1, `B played to the end: ${sb.currentTime} of ${sb.duration}`);
      assert.ok(Number(sb.p2pRefused) > 0, `B refused A's segments: ${JSON.stringify(sb)}`);
      // Every segment A had was a lie, so all of them came from the server in the end.
      assert.ok(Number(sb.httpBytes) >= video.mediaBytes, `B loaded every segment over HTTP (${sb.httpBytes} of ${video.mediaBytes} bytes)`);
      assert.deepEqual([...a.errors, ...b.errors], [], 'no page or console error');
    } finally {
      await closeViewers();
    }
  });

  it('remembers a viewer who stops sharing, and plays without P2P', { timeout: 60_000 }, async () => {
    try {
      const v = await openViewer('viewer');
      const requests = [];
      v.page.on('request', (r) => requests.push(r.url()));
      await v.page.goto(`${server.baseUrl}/w/${video.short}`);
      await v.page.locator('#p2p').waitFor({ state: 'visible' });
      await until(v, 'the P2P player', () => document.getElementById('player').dataset.p2p === 'on');
      await v.page.locator('#p2p-share').uncheck();
      assert.equal(await v.page.evaluate(() => localStorage.getItem('ruche-p2p')), 'off', 'the choice is stored');
      assert.equal((await state(v)).p2p, 'off', 'sharing stops at once');

      v.sockets.length = 0;
      requests.length = 0;
      await v.page.reload();
      await v.page.locator('#p2p').waitFor({ state: 'visible' });
      assert.equal(await v.page.locator('#p2p-share').isChecked(), false, 'the box stays unticked');
      await until(v, 'the player', () => document.getElementById('player').dataset.player === 'hls.js');
      await pressPlay(v);
      await until(v, 'playing', () => {
        const el = document.getElementById('player');
        return el.currentTime > 2 || el.error !== null;
      });
      const s = await state(v);
      assert.equal(s.error, null, 'no media error');
      assert.notEqual(s.p2p, 'on', 'the player runs without P2P');
      assert.deepEqual(v.sockets.filter((u) => TRACKER_SOCKET.test(u)), [], 'no tracker WebSocket');
      assert.deepEqual(requests.filter((u) => u.includes('/p2p-media-loader')), [], 'p2p-media-loader is not even loaded');
      assert.deepEqual(v.errors, [], 'no page or console error');
    } finally {
      await closeViewers();
    }
  });

  it('with the instance’s P2P off, offers nothing of it and plays', { timeout: 60_000 }, async () => {
    // The same instance restarted with P2P off (same address, so the stored URLs hold).
    const base = server.baseUrl;
    await stopRuche(server.child);
    const listen = new URL(base).host;
    server = await startRuche(bin, data, {
      RUCHE_TRANSCODING_RESOLUTIONS: '240',
      RUCHE_P2P_ENABLED: 'false',
      RUCHE_LISTEN: listen,
      RUCHE_PUBLIC_URL: base,
    }, 30_000, { restart: true });
    logs.push(server.log);
    try {
      for (const p of [`/w/${video.short}`, `/videos/embed/${video.short}`]) {
        const v = await openViewer(p);
        await v.page.goto(base + p);
        const player = v.page.locator('video#player');
        assert.equal(await player.getAttribute('data-trackers'), null, `${p}: no trackers`);
        assert.equal(await player.getAttribute('data-sha256'), null, `${p}: no segment hashes`);
        assert.equal(await v.page.locator('#p2p').count(), 0, `${p}: no P2P panel`);
        await until(v, 'the player', () => document.getElementById('player').dataset.player === 'hls.js');
        await pressPlay(v);
        await until(v, 'playing', () => {
          const el = document.getElementById('player');
          return el.currentTime > 2 || el.error !== null;
        });
        const s = await state(v);
        assert.equal(s.error, null, `${p}: no media error`);
        assert.equal(s.p2p, undefined, `${p}: the player runs without P2P`);
        assert.deepEqual(v.sockets.filter((u) => TRACKER_SOCKET.test(u)), [], `${p}: no tracker WebSocket`);
        assert.deepEqual(v.errors, [], `${p}: no page or console error`);
      }
    } finally {
      await closeViewers();
    }
  });
});
