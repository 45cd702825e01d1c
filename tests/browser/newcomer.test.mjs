// The dead ends a newcomer met in a real browser, each walked again in headless Chromium against
// a real `ruche serve`: deleting a video or a comment asks first (and Cancel keeps it); every
// page fits a 390 px phone; a picture chosen in a profile form is saved by its Save; unknown
// paths answer a real 404 page in the visitor's language, with a favicon; a registration
// awaiting approval is said as such; a failed follow is a sentence; the site editor's darkening
// slider, its toolbar on a phone and its words in the interface's language; the upload page
// names the video after its file and keeps its progress bar in sight.
//
// Run: RUCHE_BIN=/path/to/ruche node --test tests/browser/newcomer.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OUT_DIR, ensureOutDir, freePort, launchChromium, makeTestClip, run, logIn } from './helpers.mjs';

const PHONE = { viewport: { width: 390, height: 700 }, isMobile: true, hasTouch: true };

describe('a newcomer finds no dead end', { timeout: 300_000 }, () => {
  let tmp;
  let server; // { child, url, password, log }
  let browser;
  let desk; // root, English, on a computer
  let phone; // root, English, on a phone
  let failed = false;
  let watchPath;
  let videoTitle;
  let png;
  const problems = []; // console errors and failed requests, for every page of the file

  const step = (fn) => async (t) => {
    if (failed) {
      t.skip('an earlier step failed');
      return;
    }
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      for (const p of [desk, phone]) {
        if (!p) continue;
        const file = path.join(await ensureOutDir(), `failure-newcomer-${t.name.replace(/[^a-z0-9]+/gi, '-')}-${p === desk ? 'desk' : 'phone'}.png`);
        await p.screenshot({ path: file, fullPage: true, timeout: 5_000 }).catch(() => {});
      }
      throw err;
    }
  };

  /** A page that records its console errors and failed requests in `problems`. */
  async function watched(context) {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => problems.push(`pageerror on ${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // Chromium reports a document answered with an error status as a console error: a 404
      // page asked for on purpose, or the login form refusing, are the point; anything else
      // (a favicon, a script, a picture) is a problem.
      const where = m.location()?.url ?? '';
      if (m.text().startsWith('Failed to load resource') && where && expectedStatus(where)) return;
      problems.push(`console.error on ${page.url()}: ${m.text()} (${where})`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !expectedStatus(r.url())) {
        problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
      }
    });
    return page;
  }
  // Paths this file asks for on purpose, knowing they do not exist; and the login form, which
  // answers 401 to a refused login.
  const expected404 = new Set(['/nowhere', '/about', '/admin', '/no-such-page', '/w/not-a-uuid!']);
  const expectedStatus = (url) => {
    const p = new URL(url).pathname;
    return expected404.has(p) || p === '/login';
  };

  /** Waits until `probe()` (run here) is truthy; polls, with a deadline. */
  async function until(probe, what, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe().catch(() => null);
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Whether the page scrolls sideways at its current width. */
  const scrollWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

  /** The widest elements past 390 px, to say what overflows. */
  const overflowing = (page) => page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > 391 && e.getBoundingClientRect().width > 0)
    .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`).join(', '));

  before(async () => {
    const bin = process.env.RUCHE_BIN;
    assert.ok(bin, 'set RUCHE_BIN to the ruche binary, e.g. RUCHE_BIN=target/debug/ruche');
    await access(bin, fsConstants.X_OK);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-newcomer-'));
    await makeTestClip(path.join(tmp, 'clip.mp4'));
    png = path.join(tmp, 'avatar.png');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=400x300', '-frames:v', '1', png]);
    await mkdir(path.join(tmp, 'data'));
    server = await startServer(bin, path.join(tmp, 'data'));
    browser = await launchChromium();
    desk = await watched(await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } }));
    phone = await watched(await browser.newContext({ locale: 'en-US', ...PHONE }));
    await logIn(desk, server.url, 'root', server.password);
    await logIn(phone, server.url, 'root', server.password);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      try { process.kill(-server.child.pid, 'SIGKILL'); } catch { /* gone */ }
      if (failed) process.stderr.write(`\n----- ruche server output -----\n${server.log.join('').slice(-30_000)}\n`);
      await ensureOutDir();
      await writeFile(path.join(OUT_DIR, 'newcomer-server.log'), server.log.join('')).catch(() => {});
    }
    if (tmp) await rm(tmp, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  });

  it('names the video after its file and keeps the progress bar in sight on a phone', { timeout: 120_000 }, step(async () => {
    const first = path.join(tmp, 'Fête_du-jardin.mp4');
    const second = path.join(tmp, 'concert_de--printemps.v2.mp4');
    await copyFile(path.join(tmp, 'clip.mp4'), first);
    await copyFile(path.join(tmp, 'clip.mp4'), second);
    await phone.goto(`${server.url}/upload`);
    const form = phone.locator('form#upload-form');
    const title = form.locator('input[name=name]');
    const file = form.locator('input[type=file][name=videofile]');
    await file.setInputFiles(first);
    assert.equal(await title.inputValue(), 'Fête du jardin', 'the title comes from the file name');
    await file.setInputFiles(second);
    assert.equal(await title.inputValue(), 'concert de printemps.v2', 'another file: its own name, as nobody typed one');
    await title.fill('My own title');
    await file.setInputFiles(first);
    assert.equal(await title.inputValue(), 'My own title', 'a typed title is kept');
    await title.fill('');
    await file.setInputFiles(second);
    assert.equal(await title.inputValue(), 'concert de printemps.v2');
    videoTitle = 'Le concert de printemps';
    await title.fill(videoTitle);

    // The button at the very bottom of the screen, as a thumb leaves it: the bar below it
    // must come into sight and stay there while the upload runs.
    const seen = { visible: 0, inView: 0, outOfView: [] };
    await phone.exposeFunction('__newcomerProgress', (s) => {
      if (!s.visible) return;
      seen.visible += 1;
      if (s.inView) seen.inView += 1;
      else seen.outOfView.push(s);
    });
    await phone.evaluate(() => {
      const sample = () => {
        const bar = document.querySelector('progress#upload-progress');
        if (!bar || bar.hidden) return;
        const r = bar.getBoundingClientRect();
        window.__newcomerProgress({ visible: true, value: bar.value, top: r.top, bottom: r.bottom, inView: r.top >= 0 && r.bottom <= innerHeight });
      };
      new MutationObserver(sample).observe(document.documentElement, { subtree: true, attributes: true });
      setInterval(sample, 10);
    });
    const submit = form.locator('button[type=submit]');
    await submit.evaluate((b) => b.scrollIntoView({ block: 'end' }));
    await Promise.all([phone.waitForURL(/\/w\/[A-Za-z0-9]+$/, { timeout: 60_000 }), submit.tap()]);
    watchPath = new URL(phone.url()).pathname;
    assert.ok(seen.visible > 0, 'the progress bar showed');
    assert.ok(seen.inView > 0, 'the progress bar came into sight');
    assert.deepEqual(seen.outOfView, [], 'and never left it');

    // Transcoded: the watch page has its player.
    await until(async () => {
      await desk.goto(`${server.url}${watchPath}`);
      return desk.locator('video#player').count();
    }, 'the video to be published', 90_000);
  }));

  it('shows dates as time ago, with the full date, on cards, profiles and My videos', { timeout: 60_000 }, step(async () => {
    for (const p of ['/', '/c/root_channel', '/a/root', '/my-videos']) {
      await desk.goto(`${server.url}${p}`);
      const time = desk.locator('main time[datetime]').first();
      assert.match(await time.innerText(), /^(just now|\d+ minutes? ago)$/, p);
      assert.match(await time.getAttribute('datetime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, p);
      assert.match(await time.getAttribute('title'), /^[A-Z][a-z]+ \d{1,2}, \d{4}, \d\d:\d\d UTC$/, p);
    }
    const fr = await watched(await browser.newContext({ locale: 'fr-FR' }));
    await fr.goto(`${server.url}/`);
    assert.match(await fr.locator('.card time').first().innerText(), /^(à l’instant|il y a \d+ minutes?)$/);
    assert.match(await fr.locator('.card time').first().getAttribute('title'), /^\d{1,2} [a-zéû]+ \d{4} à \d\d:\d\d UTC$/);
    await fr.context().close();
  }));

  it('asks before deleting a comment, and Cancel keeps it', { timeout: 60_000 }, step(async () => {
    await desk.goto(`${server.url}${watchPath}`);
    await desk.fill('form.comment-form textarea[name=text]', 'A comment to delete');
    await Promise.all([desk.waitForNavigation(), desk.click('form.comment-form button[type=submit]')]);
    const comment = () => desk.locator('.thread > .comment').filter({ hasText: 'A comment to delete' });
    const ask = comment().locator('details.confirm');
    await ask.locator('summary').click();
    assert.equal(await ask.getAttribute('open'), '');
    assert.equal(await ask.locator('.confirm-box p').innerText(), 'Delete this comment for good?');
    assert.equal(await ask.locator('summary').innerText(), 'Cancel');
    await ask.locator('summary').click();
    assert.equal(await ask.getAttribute('open'), null, 'Cancel closes the question');
    await desk.reload();
    assert.equal(await comment().count(), 1, 'the comment is still there');

    await comment().locator('details.confirm summary').click();
    await Promise.all([desk.waitForNavigation(), comment().locator('.confirm-box button[type=submit]').click()]);
    await desk.locator('.comment', { hasText: 'This comment was deleted.' }).first().waitFor();
    assert.equal(await comment().count(), 0);
  }));

  it('tells a registration awaiting approval, to its author only', { timeout: 60_000 }, step(async () => {
    const anon = await watched(await browser.newContext({ locale: 'en-US' }));
    await anon.goto(`${server.url}/signup`);
    await anon.fill('input[name=username]', 'dominique');
    await anon.fill('input[name=email]', 'dominique@example.org');
    await anon.fill('input[name=password]', 'a long password');
    await anon.fill('textarea[name=reason]', 'To film the garden');
    await Promise.all([anon.waitForNavigation(), anon.click('#signup-form button[type=submit]')]);
    assert.match(await anon.locator('p.notice').innerText(), /moderator will review/);
    await logIn(anon, server.url, 'dominique', 'a long password');
    assert.equal(await anon.locator('p.error').innerText(),
      'Your registration is waiting for a moderator. You can log in once it is accepted.');
    await logIn(anon, server.url, 'dominique', 'not the password');
    assert.equal(await anon.locator('p.error').innerText(), 'Wrong username or password.');
    await anon.context().close();
  }));

  it('saves the avatar picked in the channel form with Save, and draws it', { timeout: 60_000 }, step(async () => {
    const loaded = (locator) => locator.evaluate((img) => (img.complete
      ? img.naturalWidth
      : new Promise((resolve) => { img.onload = () => resolve(img.naturalWidth); img.onerror = () => resolve(0); })));
    await desk.goto(`${server.url}/my-channels`);
    const section = desk.locator('section.channel-edit').first();
    assert.equal(await section.locator('img.avatar').count(), 0, 'no avatar yet');
    await section.locator('summary').click();
    const form = section.locator('form[action$="/profile"]');
    await form.locator('input[name=avatar]').setInputFiles(png);
    await form.locator('textarea[name=description]').fill('Concerts in the garden');
    await Promise.all([desk.waitForNavigation(), form.getByRole('button', { name: 'Save' }).click()]);
    assert.match(await desk.locator('p.notice').innerText(), /saved/);
    assert.ok(await loaded(desk.locator('section.channel-edit img.avatar').first()) >= 120, 'the avatar is drawn on My channels');
    await desk.goto(`${server.url}/c/root_channel`);
    assert.ok(await loaded(desk.locator('.profile img.avatar')) >= 120, 'and on the channel page');
    assert.match(await desk.locator('.profile .description').innerText(), /Concerts in the garden/);

    // The same for the account, from My account.
    await desk.goto(`${server.url}/my-account`);
    const profile = desk.locator('form#profile-form');
    await profile.locator('input[name=avatar]').setInputFiles(png);
    await Promise.all([desk.waitForNavigation(), profile.getByRole('button', { name: 'Save' }).click()]);
    assert.match(await desk.locator('p.notice').innerText(), /saved/);
    assert.ok(await loaded(desk.locator('img.avatar.large')) >= 120, 'the account avatar is drawn on My account');
  }));

  it('fits every page of the app in a 390 px phone', { timeout: 90_000 }, step(async () => {
    // A site, a registration and pictures (the steps before) fill the pages.
    await phone.goto(`${server.url}/my-sites`);
    await phone.fill('input[name=title]', 'Jardin partagé des Lilas, un titre assez long pour un téléphone');
    await phone.fill('input[name=slug]', 'jardin');
    await phone.selectOption('select[name=language]', 'fr');
    await Promise.all([phone.waitForURL(/\/my-sites\/jardin\/edit$/), phone.locator('form#site-form button[type=submit]').tap()]);
    const paths = ['/', '/?scope=local', '/upload', '/my-account', '/my-videos', '/my-channels', '/my-sites',
      '/my-sites/jardin/revisions', '/my-sites/jardin/inbox', '/admin/registrations', '/admin/follows',
      '/admin/follows?error=unknown-host&host=video.example.org', '/a/root', '/c/root_channel', watchPath, '/no-such-page'];
    for (const p of paths) {
      await phone.goto(`${server.url}${p}`);
      // Whatever opens: the channel's edit form, each question before deleting.
      await phone.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      const width = await scrollWidth(phone);
      assert.ok(width <= 390, `${p} is ${width} px wide (${await overflowing(phone)})`);
    }
    const anon = await watched(await browser.newContext({ locale: 'fr-FR', ...PHONE }));
    for (const p of ['/login', '/signup', '/', watchPath, '/search']) {
      await anon.goto(`${server.url}${p}`);
      const width = await scrollWidth(anon);
      assert.ok(width <= 390, `${p} (logged out) is ${width} px wide (${await overflowing(anon)})`);
    }
    await anon.context().close();
  }));

  it('asks before deleting a video, and Cancel keeps it', { timeout: 60_000 }, step(async () => {
    await desk.goto(`${server.url}/my-videos`);
    const row = () => desk.locator('table.my-videos tr', { hasText: videoTitle });
    const ask = row().locator('details.confirm');
    await ask.locator('summary').click();
    assert.equal(await ask.locator('.confirm-box p').innerText(), 'Delete this video for good?');
    assert.ok(await ask.locator('.confirm-box button[type=submit]').isVisible());
    await ask.locator('summary').click();
    assert.ok(!(await ask.locator('.confirm-box').isVisible()), 'Cancel closes the question');
    await desk.reload();
    assert.equal(await row().count(), 1, 'the video is still there');
    assert.equal((await desk.request.get(`${server.url}${watchPath}`)).status(), 200);

    await row().locator('details.confirm summary').click();
    await Promise.all([desk.waitForNavigation(), row().locator('.confirm-box button[type=submit]').click()]);
    await desk.locator('p.empty').waitFor();
    assert.equal(await row().count(), 0);
    assert.equal((await desk.request.get(`${server.url}${watchPath}`)).status(), 404);
  }));

  it('answers unknown paths with a 404 page in the visitor\'s language, and a favicon', { timeout: 60_000 }, step(async () => {
    const fr = await watched(await browser.newContext({ locale: 'fr-FR', extraHTTPHeaders: { 'Accept-Language': 'fr-FR,fr;q=0.9' } }));
    const errors = [];
    fr.on('console', (m) => { if (m.type() === 'error') errors.push({ text: m.text(), url: m.location()?.url ?? '' }); });
    for (const p of ['/nowhere', '/about', '/admin', '/w/not-a-uuid!']) {
      const res = await fr.goto(`${server.url}${p}`);
      assert.equal(res.status(), 404, p);
      assert.equal(await fr.locator('h1').innerText(), 'Page introuvable', p);
      assert.equal(await fr.locator('html').getAttribute('lang'), 'fr');
      assert.equal(await fr.locator('main a[href="/"]').innerText(), 'Aller à l’accueil');
    }
    // No console error but the 404 of each document itself (no favicon missing, nothing else).
    const others = errors.filter((e) => !(e.text.includes('status of 404') && expected404.has(new URL(e.url).pathname)));
    assert.deepEqual(others, []);
    const icon = await fr.request.get(`${server.url}/favicon.ico`);
    assert.equal(icon.status(), 200);
    assert.equal(icon.headers()['content-type'], 'image/x-icon');
    for (const href of await fr.locator('link[rel=icon]').evaluateAll((ls) => ls.map((l) => l.href))) {
      assert.equal((await fr.request.get(href)).status(), 200, href);
    }
    // The SVG icon draws.
    await fr.goto(`${server.url}/assets/favicon.svg`);
    assert.ok(await fr.locator('svg path').count() > 0);
    await fr.context().close();
  }));

  it('says why following an unreachable instance failed, in a sentence', { timeout: 60_000 }, step(async () => {
    const port = await closedPort();
    await desk.goto(`${server.url}/admin/follows`);
    const form = desk.locator('form[action="/admin/follows/follow"]');
    await form.locator('input[name=target]').fill(`127.0.0.1:${port}`);
    await Promise.all([desk.waitForNavigation(), form.locator('button[type=submit]').click()]);
    assert.equal(await desk.locator('p.error').innerText(), `We could not reach 127.0.0.1:${port}: it refused the connection.`);
    const url = decodeURIComponent(desk.url());
    assert.ok(!/os error|tcp connect|network error|error sending/i.test(url), url);
    const text = await desk.locator('main').innerText();
    assert.ok(!/os error|tcp connect|network error/i.test(text), text);
  }));

  it('the site editor: a rounded slider, and its words in the interface language on a French site', { timeout: 60_000 }, step(async () => {
    await desk.goto(`${server.url}/my-sites/jardin/edit`);
    await desk.locator('.ed-toolbar').waitFor();
    await desk.getByRole('button', { name: 'Skip' }).click();
    assert.equal(await desk.locator('html').getAttribute('lang'), 'fr', 'the site is in French');
    // The editor speaks English: block names, their bar, the picker, the settings.
    const banner = desk.locator('main > [data-kind="banner"]');
    assert.equal(await banner.locator('.ed-kind').innerText(), 'Title banner');
    await desk.locator('.ed-add-btn').nth(1).click();
    const features = desk.locator('.ed-picker button[data-kind="features"]');
    assert.equal(await features.locator('strong').innerText(), 'Features');
    assert.equal(await features.locator('.ed-desc').innerText(), 'Icons with a title and a short text.');
    await features.click();
    const block = desk.locator('main > [data-kind="features"]');
    await block.waitFor();
    await desk.waitForFunction(() => ['saved', 'published'].includes(document.querySelector('.ed-status')?.dataset.state));
    // What goes into the site is in the site's language.
    assert.match(await block.innerText(), /Élément 1/);
    assert.equal(await block.locator('.ed-kind').innerText(), 'Features');
    await block.locator('.ed-gear').click();
    const dialog = desk.locator('dialog[open]');
    assert.equal(await dialog.locator('h2').innerText(), 'Settings — Features');
    await dialog.getByRole('button', { name: '+ Add' }).click();
    assert.equal(await dialog.locator('.ed-list li').last().locator('input[type=text]').first().inputValue(), 'Élément');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // The banner's darkening: a percentage, not a float's digits.
    await banner.locator('.ed-gear').click();
    const overlay = desk.locator('dialog[open] .ed-field', { hasText: 'Darkening over the picture' });
    const out = overlay.locator('output');
    assert.match(await out.innerText(), /^\d{1,2}%$/);
    assert.equal(await out.innerText(), '40%');
    await overlay.locator('input[type=range]').evaluate((i) => { i.value = '0.65'; i.dispatchEvent(new Event('input', { bubbles: true })); });
    assert.equal(await out.innerText(), '65%');
    assert.equal(await overlay.locator('input[type=range]').getAttribute('aria-valuetext'), '65%');
    await desk.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();
  }));

  it('the site editor on a phone: the toolbar fits, Publish in sight, the rest behind More', { timeout: 60_000 }, step(async () => {
    await phone.goto(`${server.url}/my-sites/jardin/edit`);
    const bar = phone.locator('.ed-toolbar');
    await bar.waitFor();
    const width = await scrollWidth(phone);
    assert.ok(width <= 390, `the editor is ${width} px wide (${await overflowing(phone)})`);
    assert.ok(await bar.evaluate((b) => b.scrollWidth <= b.clientWidth), 'the toolbar does not scroll sideways');
    const publish = bar.locator('.ed-primary');
    const box = await publish.boundingBox();
    assert.ok(await publish.isVisible() && box.x >= 0 && box.x + box.width <= 390 && box.y >= 0,
      `Publish is on screen (${JSON.stringify(box)})`);
    // The other actions are one tap away.
    const theme = bar.getByRole('button', { name: 'Colours and fonts' });
    assert.ok(!(await theme.isVisible()));
    await bar.getByRole('button', { name: 'More' }).tap();
    assert.equal(await bar.getByRole('button', { name: 'More' }).getAttribute('aria-expanded'), 'true');
    await theme.tap();
    await phone.locator('dialog[open]', { hasText: 'Colours' }).waitFor();
    await phone.locator('dialog[open] header button').tap();
    // The page starts below the bar, whatever its height.
    const below = await phone.evaluate(() => document.querySelector('main').getBoundingClientRect().top + scrollY
      >= document.querySelector('.ed-toolbar').getBoundingClientRect().bottom);
    assert.ok(below, 'the bar covers nothing of the page');
    await publish.tap();
    await phone.waitForFunction(() => document.querySelector('.ed-status')?.dataset.state === 'published');
    await phone.screenshot({ path: path.join(await ensureOutDir(), 'newcomer-editor-phone.png') });
  }));

  it('met no console error nor failed request on the way', step(async () => {
    assert.deepEqual(problems, []);
  }));
});

/** A loopback port nobody listens on (a connection to it is refused). */
function closedPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `$RUCHE_BIN serve` on a free loopback port with its own data directory. */
async function startServer(bin, dataDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      RUCHE_DATA_DIR: dataDir,
      RUCHE_LISTEN: `127.0.0.1:${port}`,
      RUCHE_PUBLIC_URL: url,
      RUCHE_SIGNUP_ENABLED: 'true',
      RUCHE_SIGNUP_REQUIRES_APPROVAL: 'true',
      // Following an instance on loopback: refused at once, instead of by the address check.
      RUCHE_FEDERATION_ALLOW_INSECURE: 'true',
      RUCHE_TRANSCODING_RESOLUTIONS: '144',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killOnExit = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const log = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => log.push(d));
  child.stdout.setEncoding('utf8');
  return await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`ruche did not start:\n${log.join('').slice(-4000)}`)), 60_000);
    child.on('exit', (code) => reject(new Error(`ruche exited (${code}):\n${log.join('').slice(-4000)}`)));
    child.stdout.on('data', (d) => {
      log.push(d);
      out += d;
      const m = /login: root \/ (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url, password: m[1], log });
      }
    });
  });
}
