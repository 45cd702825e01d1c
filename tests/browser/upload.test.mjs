// End-to-end test in headless Chromium: start `$RUCHE_BIN serve` on a fresh
// data dir, log in as root through the UI, upload an ffmpeg-made clip through
// the upload page (PeerTube's resumable protocol, driven by the page's JS),
// wait for transcoding on the watch page and check that the video plays; then comment and
// reply under it, and give the channel an avatar from My channels.
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OUT_DIR, ensureOutDir, freePort, launchChromium, makeTestClip, run, sleep } from './helpers.mjs';

const TOTAL_BUDGET_MS = 240_000; // the whole file, hooks included
const SERVER_START_TIMEOUT_MS = 30_000;
const TRANSCODE_TIMEOUT_MS = 120_000;
const PLAYBACK_TIMEOUT_MS = 20_000;

const startedAt = Date.now();
const remaining = () => Math.max(1_000, TOTAL_BUDGET_MS - 10_000 - (Date.now() - startedAt));
const budget = (ms) => Math.min(ms, remaining());

describe('upload and playback through the UI', { timeout: TOTAL_BUDGET_MS }, () => {
  let tmp; // everything this test creates on disk lives in here
  let clipPath;
  let server; // { child, baseUrl, password, log: string[] }
  let browser;
  let page;
  let failed = false;
  let watchUrl;
  const pageErrors = [];

  // Run a step; once one has failed, later ones are skipped rather than
  // failing with confusing follow-on errors.
  const step = (fn) => async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      await snapshotOnFailure(t.name);
      throw err;
    }
  };

  async function snapshotOnFailure(name) {
    if (!page) return;
    try {
      const file = path.join(await ensureOutDir(), `failure-${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      process.stderr.write(`[upload.test] screenshot of the failure: ${file} (page URL ${page.url()})\n`);
    } catch {
      // the page may be gone; nothing more to show
    }
  }

  before(async () => {
    try {
      const bin = process.env.RUCHE_BIN;
      if (!bin) {
        throw new Error('RUCHE_BIN is not set: build the server and run e.g. RUCHE_BIN=target/debug/ruche node --test tests/browser/');
      }
      try {
        await access(bin, fsConstants.X_OK);
      } catch {
        throw new Error(`RUCHE_BIN=${bin} does not exist or is not executable`);
      }
      // Screenshots of an earlier run's failures would only mislead.
      for (const f of await readdir(OUT_DIR).catch(() => [])) {
        if (/^failure-.*\.png$/.test(f)) await rm(path.join(OUT_DIR, f), { force: true });
      }
      tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-browser-'));
      clipPath = await makeTestClip(path.join(tmp, 'clip.mp4'));
      const dataDir = path.join(tmp, 'data');
      await mkdir(dataDir);
      server = await startServer(bin, dataDir);
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // "Failed to load resource" duplicates the HTTP status line below.
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
          pageErrors.push(`console.error: ${m.text()}`);
        }
      });
      page.on('response', (r) => {
        if (r.status() >= 400) pageErrors.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
      });
      page.on('requestfailed', (r) => {
        // Requests aborted by a navigation are not errors worth reporting.
        const why = r.failure()?.errorText ?? '';
        if (!why.includes('ERR_ABORTED')) pageErrors.push(`request failed: ${r.method()} ${r.url()} ${why}`);
      });
    } catch (err) {
      failed = true;
      throw err;
    }
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      await stopServer(server.child);
      const log = server.log.join('');
      if (log) {
        await ensureOutDir();
        await writeFile(path.join(OUT_DIR, 'server.log'), log).catch(() => {});
      }
      if (failed) {
        process.stderr.write('\n----- ruche server output (stdout+stderr) -----\n');
        process.stderr.write(log.length > 60_000 ? '[...]\n' + log.slice(-60_000) : log);
        process.stderr.write('\n----- end of server output -----\n');
      }
    }
    if (failed && pageErrors.length) {
      process.stderr.write(`\n----- browser errors -----\n${pageErrors.join('\n')}\n`);
    }
    if (tmp) await rm(tmp, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  });

  it('logs in as root through /login', { timeout: 60_000 }, step(async () => {
    await page.goto(server.baseUrl + '/login');
    const form = page.locator('form#login-form');
    await form.waitFor({ state: 'visible' });
    await form.locator('input[name=username]').fill('root');
    await form.locator('input[name=password]').fill(server.password);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/', { timeout: 30_000 }),
      form.locator('button[type=submit]').click(),
    ]);
    assert.equal(new URL(page.url()).pathname, '/');
  }));

  it('uploads a clip through /upload with a progress bar', { timeout: 90_000 }, step(async () => {
    await page.goto(server.baseUrl + '/upload');
    const form = page.locator('form#upload-form');
    await form.waitFor({ state: 'visible' });

    const channel = form.locator('select[name=channelId]');
    const channelValues = await channel.locator('option').evaluateAll((opts) => opts.map((o) => o.value).filter(Boolean));
    assert.ok(channelValues.length > 0, 'the channel select offers at least one channel');
    if (!(await channel.inputValue())) await channel.selectOption(channelValues[0]);

    await form.locator('input[type=file][name=videofile]').setInputFiles(clipPath);
    const title = `Browser test clip ${Date.now()}`;
    await form.locator('input[name=name]').fill(title);

    // Record every state of progress#upload-progress from inside the page: a
    // loopback upload of a small clip may finish between two polls from
    // here, and the page navigates away right after.
    const progress = { seen: false, visible: false, max: -1, values: [] };
    await page.exposeFunction('__rucheTestProgress', (s) => {
      progress.seen = true;
      if (s.visible) progress.visible = true;
      if (typeof s.value === 'number' && !Number.isNaN(s.value)) {
        progress.max = Math.max(progress.max, s.value);
        if (progress.values.at(-1) !== s.value) progress.values.push(s.value);
      }
    });
    await page.evaluate(() => {
      let last = '';
      const sample = () => {
        const el = document.querySelector('progress#upload-progress');
        if (!el) return;
        const visible = typeof el.checkVisibility === 'function'
          ? el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
          : el.getClientRects().length > 0;
        const state = { visible, value: Number(el.value), max: Number(el.max) };
        const key = JSON.stringify(state);
        if (key !== last) {
          last = key;
          window.__rucheTestProgress(state);
        }
      };
      new MutationObserver(sample).observe(document.documentElement, {
        subtree: true, childList: true, attributes: true,
      });
      setInterval(sample, 10);
      sample();
    });

    try {
      await Promise.all([
        page.waitForURL(/\/w\/[A-Za-z0-9_-]+\/?(?:[?#].*)?$/, { timeout: budget(60_000) }),
        form.locator('button[type=submit]').click(),
      ]);
    } catch (err) {
      throw new Error(
        `the upload page did not navigate to /w/<shortUUID> (now at ${page.url()}); ` +
        `progress seen: ${JSON.stringify(progress)}; browser errors: ${pageErrors.join(' | ') || 'none'}`,
        { cause: err },
      );
    }
    watchUrl = page.url();
    process.stderr.write(`[upload.test] uploaded; watch page ${watchUrl}; progress values ${progress.values.join(',')}\n`);

    assert.ok(progress.seen, 'progress#upload-progress was present on the upload page');
    assert.ok(progress.visible, 'progress#upload-progress became visible during the upload');
    assert.equal(progress.max, 100, `progress#upload-progress reached 100 (values seen: ${progress.values.join(',')})`);
  }));

  it('plays the video once transcoded', { timeout: 150_000 }, step(async () => {
    // The watch page shows #video-state and reloads itself while the video is
    // being transcoded; poll across those reloads until video#player exists.
    const deadline = Date.now() + budget(TRANSCODE_TIMEOUT_MS);
    let lastState = null;
    for (;;) {
      let probe = null;
      try {
        probe = await page.evaluate(() => ({
          player: !!document.querySelector('video#player'),
          state: document.querySelector('#video-state')?.textContent?.trim() ?? null,
        }));
      } catch {
        // the page was reloading; try again
      }
      if (probe?.player) break;
      if (probe?.state && probe.state !== lastState) {
        lastState = probe.state;
        process.stderr.write(`[upload.test] #video-state: ${lastState}\n`);
      }
      if (Date.now() > deadline) {
        throw new Error(`video#player did not appear on ${page.url()} within ${TRANSCODE_TIMEOUT_MS / 1000} s (last #video-state: ${JSON.stringify(lastState)})`);
      }
      await sleep(500);
    }
    await page.waitForLoadState('load');

    await page.evaluate(() => {
      const v = document.querySelector('video#player');
      v.muted = true;
      const p = v.play();
      if (p) p.catch((e) => { window.__rucheTestPlayError = `${e.name}: ${e.message}`; });
    });

    try {
      await page.waitForFunction(
        () => {
          const v = document.querySelector('video#player');
          // A media error will not go away: stop waiting and report it.
          return v && (v.currentTime > 1.0 || v.error !== null);
        },
        null,
        { timeout: budget(PLAYBACK_TIMEOUT_MS), polling: 100 },
      );
      const mediaError = await page.evaluate(() => document.querySelector('video#player').error?.code ?? null);
      if (mediaError !== null) throw new Error(`video#player reported MediaError code ${mediaError}`);
    } catch (err) {
      const state = await page.evaluate(() => {
        const v = document.querySelector('video#player');
        if (!v) return { player: 'gone' };
        const buffered = [];
        for (let i = 0; i < v.buffered.length; i++) buffered.push([v.buffered.start(i), v.buffered.end(i)]);
        return {
          currentTime: v.currentTime, paused: v.paused, readyState: v.readyState, networkState: v.networkState,
          error: v.error ? `${v.error.code} ${v.error.message}` : null, currentSrc: v.currentSrc, buffered,
          playError: window.__rucheTestPlayError ?? null,
        };
      }).catch((e) => ({ evaluateError: String(e) }));
      throw new Error(
        `video#player currentTime did not pass 1.0 s within ${PLAYBACK_TIMEOUT_MS / 1000} s (${err.message.split('\n')[0]}): ${JSON.stringify(state)}; ` +
        `browser errors: ${pageErrors.join(' | ') || 'none'}`,
        { cause: err },
      );
    }

    const dims = await page.evaluate(() => {
      const v = document.querySelector('video#player');
      return { videoWidth: v.videoWidth, videoHeight: v.videoHeight, currentTime: v.currentTime };
    });
    process.stderr.write(`[upload.test] playing: ${JSON.stringify(dims)}\n`);
    assert.ok(dims.videoHeight > 0, `video#player has a decoded frame (videoHeight ${dims.videoHeight})`);

    await page.screenshot({ path: path.join(await ensureOutDir(), 'watch.png') });
  }));

  it('comments and replies from the watch page, with no script of its own', { timeout: 60_000 }, step(async () => {
    await page.goto(watchUrl);
    await page.fill('form.comment-form textarea[name=text]', 'Un commentaire depuis Chromium');
    await Promise.all([page.waitForNavigation(), page.click('form.comment-form button[type=submit]')]);
    assert.match(page.url(), /#comment-\d+$/, 'back on the watch page, at the new comment');
    const first = page.locator('.thread > .comment').filter({ hasText: 'Un commentaire depuis Chromium' });
    await first.waitFor({ timeout: 10_000 });
    // The reply's disclosure (the other one asks before deleting).
    const replying = first.locator('.comment-actions > details:not(.confirm)');
    await replying.locator('summary').click();
    await replying.locator('textarea').fill('Une réponse, *en italique*');
    await Promise.all([page.waitForNavigation(), replying.locator('button[type=submit]').click()]);
    const reply = page.locator('.replies .comment').filter({ hasText: 'Une réponse' });
    await reply.waitFor({ timeout: 10_000 });
    assert.equal(await reply.locator('.comment-text em').textContent(), 'en italique');
    await page.screenshot({ path: path.join(await ensureOutDir(), 'comments.png'), fullPage: true });
  }));

  it('gives the channel an avatar from My channels, and the watch page shows it', { timeout: 60_000 }, step(async () => {
    const png = path.join(tmp, 'avatar.png');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=400x300', '-frames:v', '1', png]);
    await page.goto(`${server.baseUrl}/my-channels`);
    const section = page.locator('section.channel-edit').first();
    await section.locator('summary').click();
    // The picture is chosen in the channel's form and saved with it.
    const form = section.locator('form[action$="/profile"]');
    await form.locator('input[type=file][name=avatar]').setInputFiles(png);
    await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
    await page.locator('p.notice').waitFor({ timeout: 10_000 });
    const loaded = (sel) => page.locator(sel).first().evaluate((img) => (img.complete
      ? img.naturalWidth
      : new Promise((resolve) => { img.onload = () => resolve(img.naturalWidth); img.onerror = () => resolve(0); })));
    assert.ok(await loaded('section.channel-edit img.avatar') >= 120, 'the avatar is drawn on My channels');
    await page.goto(watchUrl);
    assert.ok(await loaded('p.meta img.avatar') >= 48, 'and next to the channel on the watch page');
  }));
});

/**
 * Spawn `$RUCHE_BIN serve` and wait for its two start-up lines on stdout.
 * Resolves to { child, baseUrl, password, log }.
 */
async function startServer(bin, dataDir) {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      RUCHE_DATA_DIR: dataDir,
      RUCHE_LISTEN: listen,
      RUCHE_PUBLIC_URL: `http://${listen}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so that stopping it also stops any ffmpeg it runs.
    detached: true,
  });
  // If this process dies without running the after hook, take the server down.
  const killOnExit = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const log = [];
  child.stderr.setEncoding('utf8');
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (d) => log.push(d));

  return await new Promise((resolve, reject) => {
    let stdout = '';
    let baseUrl = null;
    let password = null;
    const fail = (msg) => {
      clearTimeout(timer);
      const out = log.join('');
      reject(new Error(`${msg}\n--- server output ---\n${out.slice(-8_000)}`));
    };
    const timer = setTimeout(() => {
      fail(`ruche did not print "Ruche is running at <URL>" and "Administrator login: root / <password>" within ${SERVER_START_TIMEOUT_MS / 1000} s`);
    }, SERVER_START_TIMEOUT_MS);
    child.on('error', (err) => fail(`cannot start ${bin}: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (!baseUrl || !password) fail(`ruche exited (${code ?? signal}) before it was ready`);
    });
    child.stdout.on('data', (d) => {
      log.push(d);
      if (baseUrl && password) return;
      // Only look at complete lines: a chunk may end in the middle of the URL
      // or the password.
      stdout += d;
      const lines = stdout.split('\n');
      stdout = lines.pop();
      for (const line of lines) {
        baseUrl ??= line.match(/running at (\S+)/)?.[1] ?? null;
        password ??= line.match(/login: root \/ (\S+)/)?.[1] ?? null;
      }
      if (baseUrl && password) {
        clearTimeout(timer);
        resolve({ child, baseUrl: baseUrl.replace(/\/+$/, ''), password, log });
      }
    });
  });
}

/** SIGTERM the server's process group; SIGKILL it if still alive after 5 s. */
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const signal = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      try { child.kill(sig); } catch { /* already gone */ }
    }
  };
  signal('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
  if (timedOut) {
    signal('SIGKILL');
    await Promise.race([exited, sleep(2_000)]);
  }
}
