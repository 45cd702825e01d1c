// The site editor in headless Chromium, as a new user meets it: sign up, create a site, shape it
// only by clicking (every kind of block, text formatting, a picture upload, palette and fonts,
// undo and redo), publish; an anonymous visitor then sees the same page. Also: two tabs saving
// the same site, and hostile text in every field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, freePort, ensureOutDir, OUT_DIR } from './helpers.mjs';

const BIN = process.env.RUCHE_BIN;
const KINDS = ['banner', 'text', 'highlight', 'gallery', 'carousel', 'cards', 'features', 'timeline',
  'skills', 'buttons', 'video', 'social', 'contact', 'map', 'separator', 'footer'];
let tmp;
let server;
let browser;
let url;
let rootPassword;
let photo;

before(async () => {
  assert.ok(BIN, 'set RUCHE_BIN to the ruche binary');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-editor-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    RUCHE_DATA_DIR: path.join(tmp, 'data'),
    RUCHE_LISTEN: `127.0.0.1:${port}`,
    RUCHE_PUBLIC_URL: url,
    RUCHE_SIGNUP_ENABLED: 'true',
    RUCHE_PAGES_TILE_URL: `${url}/tiles/{z}/{x}/{y}.png`,
    // The video block asks this very instance for its oEmbed, over loopback.
    RUCHE_FEDERATION_ALLOW_INSECURE: 'true',
    RUCHE_TRANSCODING_RESOLUTIONS: '144',
  };
  server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /login: root \/ (\S+)/.exec(out);
      if (m) { rootPassword = m[1]; clearTimeout(timer); resolve(); }
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  // A photo with GPS coordinates in its EXIF, as phones write them.
  photo = path.join(tmp, 'photo-du-jardin.jpg');
  const ff = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1600x1000', '-frames:v', '1', photo]);
  assert.equal(ff.status, 0, String(ff.stderr));
  await writeFile(photo, withGps(await readFile(photo)));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The JPEG with an EXIF segment whose GPS IFD says latitude N 48° 51' 23.76". */
function withGps(jpeg) {
  const t = Buffer.alloc(80);
  t.write('II*\0', 0, 'latin1');
  t.writeUInt32LE(8, 4);
  t.writeUInt16LE(1, 8); // IFD0: one entry, the GPS IFD pointer
  t.writeUInt16LE(0x8825, 10); t.writeUInt16LE(4, 12); t.writeUInt32LE(1, 14); t.writeUInt32LE(26, 18);
  t.writeUInt32LE(0, 22);
  t.writeUInt16LE(2, 26); // GPS IFD: latitude ref and latitude
  t.writeUInt16LE(1, 28); t.writeUInt16LE(2, 30); t.writeUInt32LE(2, 32); t.write('N\0\0\0', 36, 'latin1');
  t.writeUInt16LE(2, 40); t.writeUInt16LE(5, 42); t.writeUInt32LE(3, 44); t.writeUInt32LE(56, 48);
  t.writeUInt32LE(0, 52);
  [[48, 1], [51, 1], [2376, 100]].forEach(([n, d], i) => { t.writeUInt32LE(n, 56 + i * 8); t.writeUInt32LE(d, 60 + i * 8); });
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(2 + 6 + t.length, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, Buffer.from('Exif\0\0', 'latin1'), t, jpeg.subarray(2)]);
}

/** Uploads a short clip as root through the PeerTube API; its watch URL once published. */
async function publishedVideo() {
  const clip = path.join(tmp, 'clip.mp4');
  const ff = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi',
    '-i', 'sine=frequency=440', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
  assert.equal(ff.status, 0, String(ff.stderr));
  const client = await (await fetch(`${url}/api/v1/oauth-clients/local`)).json();
  const tok = await (await fetch(`${url}/api/v1/users/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: client.client_id, client_secret: client.client_secret, grant_type: 'password', username: 'root', password: rootPassword }),
  })).json();
  const auth = { Authorization: `Bearer ${tok.access_token}` };
  const me = await (await fetch(`${url}/api/v1/users/me`, { headers: auth })).json();
  const form = new FormData();
  form.append('name', 'Le concert de printemps');
  form.append('channelId', String(me.videoChannels[0].id));
  form.append('privacy', '1');
  form.append('videofile', new Blob([await readFile(clip)], { type: 'video/mp4' }), 'clip.mp4');
  const up = await fetch(`${url}/api/v1/videos/upload`, { method: 'POST', headers: auth, body: form });
  assert.equal(up.status, 200, await up.clone().text());
  const { video } = await up.json();
  for (let i = 0; i < 120; i += 1) {
    const v = await (await fetch(`${url}/api/v1/videos/${video.uuid}`)).json();
    if (v.state?.id === 1) return `${url}/w/${v.shortUUID}`;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the video was not published');
}

/** Waits until the editor says everything is saved. */
async function saved(page) {
  await page.waitForFunction(() => ['saved', 'published'].includes(document.querySelector('.ed-status')?.dataset.state), null, { timeout: 15_000 });
}

async function addBlock(page, kind, click, slot = 'last') {
  const slots = page.locator('.ed-add-btn');
  await click(slot === 'last' ? slots.last() : slots.nth(slot));
  await click(page.locator(`.ed-picker button[data-kind="${kind}"]`));
  await page.locator(`main > [data-kind="${kind}"]`).first().waitFor();
  await saved(page);
}

test('from an empty account to a published site, only by clicking', async () => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => d.accept('https://joinpeertube.org/'));
  let clicks = 0;
  const click = async (locator) => { clicks += 1; await locator.click(); };

  // Sign up, create a site: straight into the editor.
  await page.goto(`${url}/signup`);
  await page.fill('input[name=username]', 'camille');
  await page.fill('input[name=email]', 'camille@example.org');
  await page.fill('input[name=password]', 'un mot de passe');
  await click(page.locator('form button[type=submit]'));
  // Sign-up answers with the login form (as PeerTube does): log in.
  if (await page.locator('input[name=password][autocomplete=current-password]').count()) {
    await page.fill('input[name=username]', 'camille');
    await page.fill('input[name=password]', 'un mot de passe');
    await click(page.locator('form button[type=submit]'));
  }
  await page.goto(`${url}/my-sites`);
  await page.fill('input[name=title]', 'Jardin partagé des Lilas');
  await page.fill('input[name=slug]', 'jardin');
  await click(page.locator('form[action="/my-sites"] button[type=submit]'));
  await page.waitForURL(`${url}/my-sites/jardin/edit`);
  await page.locator('.ed-toolbar').waitFor();

  // The first-visit tour, skipped.
  await page.locator('.ed-tour').waitFor();
  await click(page.getByRole('button', { name: 'Passer' }));

  // Two sections more (the starter has a banner, a text and a footer), then publish.
  await addBlock(page, 'features', click, 1);
  await addBlock(page, 'highlight', click, 2);
  await click(page.locator('.ed-toolbar .ed-primary'));
  await page.waitForFunction(() => document.querySelector('.ed-status')?.dataset.state === 'published');
  const pathClicks = clicks;
  const visitorPage = await (await fetch(`${url}/p/jardin/`)).text();
  assert.equal((visitorPage.match(/class="block b-/g) || []).length, 5, 'five blocks on line');
  console.log(`# clicks from an empty account to a published five-block site: ${pathClicks}`);
  await writeFile(path.join(await ensureOutDir(), 'editor-clicks.txt'), `${pathClicks}\n`);

  // One block of every kind.
  for (const kind of KINDS.filter((k) => !['banner', 'text', 'features', 'highlight', 'footer'].includes(k))) {
    await addBlock(page, kind, click);
  }
  const kinds = await page.locator('main > [data-kind]').evaluateAll((ns) => ns.map((n) => n.dataset.kind));
  assert.deepEqual([...new Set(kinds)].sort(), [...KINDS].sort());

  // Blocks that need the owner say so.
  const contact = page.locator('main > [data-kind="contact"]');
  assert.ok(await contact.locator('.ed-gear.ed-attention').isVisible());
  await contact.locator('.ed-setup button').click();
  await page.getByLabel('Adresse e-mail où envoyer les messages').fill('jardin@example.org');
  await page.getByRole('button', { name: 'Terminé' }).click();
  await saved(page);
  assert.equal(await contact.locator('.ed-gear.ed-attention').count(), 0);

  // The map: typed coordinates.
  await page.locator('main > [data-kind="map"] .ed-gear').click();
  await page.getByLabel('Latitude').fill('48.8708');
  await page.getByLabel('Longitude').fill('2.3901');
  await page.getByLabel('Longitude').press('Tab');
  await page.getByLabel('Nom', { exact: false }).first().fill('Le jardin');
  await page.getByRole('button', { name: 'Terminé' }).click();
  await saved(page);

  // The video: a watch URL of this instance, found through its oEmbed.
  const watch = await publishedVideo();
  await page.locator('main > [data-kind="video"] .ed-gear').click();
  await page.getByLabel('Adresse de la vidéo').fill(`${url}/w/2bSZwqW5UJVN8FhjnKkGxe`);
  await page.getByRole('button', { name: 'Trouver la vidéo' }).click();
  await page.waitForFunction(() => !/^(|Recherche de la vidéo…)$/.test(document.querySelector('.ed-found')?.textContent ?? ''));
  assert.match(await page.locator('.ed-found').textContent(), /introuvable sur 127\.0\.0\.1/);
  await page.getByLabel('Adresse de la vidéo').fill(watch);
  await page.getByRole('button', { name: 'Trouver la vidéo' }).click();
  await page.locator('.ed-found', { hasText: 'Le concert de printemps' }).waitFor();
  await page.getByRole('button', { name: 'Terminé' }).click();
  await saved(page);

  // Text edited in place, formatted with the toolbar.
  const column = page.locator('main > [data-kind="text"] [data-f="columns.0"]');
  await column.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Nous cultivons des légumes ensemble, le samedi matin.');
  await page.keyboard.press('Control+A');
  await page.locator('.ed-rich .ed-fmt-bold').click();
  await page.locator('.ed-toolbar .ed-back').focus();
  await saved(page);
  assert.match(await column.innerHTML(), /<(strong|b)>Nous cultivons/);

  // A picture: uploaded into the gallery with progress, labelled in the library.
  await page.locator('main > [data-kind="gallery"] .ed-setup button').click();
  await page.getByRole('button', { name: '+ Ajouter des images' }).click();
  await page.locator('.ed-file').setInputFiles(photo);
  await page.locator('.ed-media li img').first().waitFor();
  await page.locator('.ed-media li input').first().fill('Les bacs de légumes au printemps');
  await page.locator('.ed-media li input').first().press('Tab');
  await page.locator('dialog .ed-primary', { hasText: 'Terminé' }).last().click();
  await page.getByRole('button', { name: 'Terminé' }).click();
  await saved(page);
  const pic = page.locator('main > [data-kind="gallery"] img').first();
  assert.match(await pic.getAttribute('src'), /^\/pages-media\/[0-9a-f]{16}-1600x1000\.webp$/);
  assert.match(await pic.getAttribute('srcset'), /480w, .* 960w, .* 1440w, .* 1600w/);
  const stored = await (await page.request.get(`${url}${await pic.getAttribute('src')}`)).body();
  assert.equal(stored.subarray(0, 4).toString(), 'RIFF');
  assert.ok((await readFile(photo)).includes('II*\0'), 'the upload had EXIF');
  assert.ok(!stored.includes('Exif') && !stored.includes('II*\0'), 'no EXIF (so no GPS) left');

  // Palette and font set, then undo and redo.
  await page.getByRole('button', { name: 'Couleurs et polices' }).click();
  const palette = page.locator('.ed-swatches button').nth(3);
  const paletteId = await palette.getAttribute('data-palette');
  await palette.click();
  await saved(page);
  const fontSet = page.locator('.ed-fonts button').nth(2);
  const fontId = await fontSet.getAttribute('data-font-set');
  await fontSet.click();
  await saved(page);
  await page.keyboard.press('Escape');
  const themeCss = () => page.evaluate(() => document.head.querySelector('style').textContent);
  const withFont = await themeCss();
  await page.locator('.ed-toolbar .ed-back').focus();
  await page.keyboard.press('Control+Z');
  await saved(page);
  assert.notEqual(await themeCss(), withFont, 'undo brings the previous font set back');
  await page.keyboard.press('Control+Shift+Z');
  await saved(page);
  assert.equal(await themeCss(), withFont, 'redo applies it again');

  // The "?" help explains what is under the pointer.
  await page.locator('.ed-help-btn').click();
  await page.locator('.ed-toolbar .ed-primary').hover();
  assert.match(await page.locator('.ed-bubble').textContent(), /Mettre en ligne/);
  await page.keyboard.press('Escape');

  await page.locator('.ed-toolbar .ed-primary').click();
  await page.waitForFunction(() => document.querySelector('.ed-status')?.dataset.state === 'published');
  await ensureOutDir();
  await page.screenshot({ path: path.join(OUT_DIR, 'editor.png'), fullPage: true });

  // The visitor sees the same page, without any editing control.
  const visitor = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
  await visitor.goto(`${url}/p/jardin/`);
  const seen = await visitor.locator('main > [id]').evaluateAll((ns) => ns.map((n) => [...n.classList].find((c) => c.startsWith('b-')).slice(2)));
  const shown = kinds.filter((k) => k !== undefined);
  assert.deepEqual(seen, shown);
  assert.equal(await visitor.locator('[class^="ed-"], [data-f], [contenteditable]').count(), 0);
  assert.match(await visitor.locator('.b-text .rich').first().innerHTML(), /<(strong|b)>Nous cultivons/);
  assert.equal(await visitor.locator('.gallery img').first().getAttribute('alt'), 'Les bacs de légumes au printemps');
  const css = await visitor.evaluate(() => document.head.querySelector('style').textContent);
  assert.equal(css.split(':root')[1], withFont.split(':root')[1], `theme ${paletteId} / ${fontId} on line`);
  await visitor.screenshot({ path: path.join(OUT_DIR, 'editor-published.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('two tabs: the second save gets a conflict and keeps its changes to retry', async () => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const a = await context.newPage();
  await a.goto(`${url}/login`);
  await a.fill('input[name=username]', 'camille');
  await a.fill('input[name=password]', 'un mot de passe');
  await a.locator('form button[type=submit]').click();
  await a.goto(`${url}/my-sites/jardin/edit`);
  const b = await context.newPage();
  await b.goto(`${url}/my-sites/jardin/edit`);
  for (const p of [a, b]) await p.locator('.ed-toolbar').waitFor();

  const title = (p) => p.locator('main > [data-kind="banner"] [data-f="title"]');
  await title(b).click();
  await b.keyboard.press('Control+A');
  await b.keyboard.type('Titre écrit dans l’onglet B');
  await b.locator('.ed-toolbar .ed-back').focus();
  await saved(b);

  await title(a).click();
  await a.keyboard.press('Control+A');
  await a.keyboard.type('Titre écrit dans l’onglet A');
  await a.locator('.ed-toolbar .ed-back').focus();
  await a.waitForFunction(() => document.querySelector('.ed-status')?.dataset.state === 'conflict');
  assert.match(await a.locator('.ed-notice').textContent(), /modifié dans un autre onglet/);
  // Nothing was overwritten: B's title is what the server holds.
  const held = await (await a.request.get(`${url}/my-sites/jardin/export.json`)).json();
  assert.equal(held.blocks.find((s) => s.type === 'banner').title, 'Titre écrit dans l’onglet B');
  // A keeps its text and may save it over, knowingly.
  assert.equal(await title(a).textContent(), 'Titre écrit dans l’onglet A');
  await a.getByRole('button', { name: 'Enregistrer les miennes par-dessus' }).click();
  await saved(a);
  const after = await (await a.request.get(`${url}/my-sites/jardin/export.json`)).json();
  assert.equal(after.blocks.find((s) => s.type === 'banner').title, 'Titre écrit dans l’onglet A');
  await context.close();
});

test('hostile text in every field runs nowhere', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', 'camille');
  await page.fill('input[name=password]', 'un mot de passe');
  await page.locator('form button[type=submit]').click();
  await page.goto(`${url}/my-sites/jardin/edit`);
  await page.locator('.ed-toolbar').waitFor();

  // Short enough for every field's length limit; rich text gets the longer one too.
  const X = '<svg/onload=__pwned=1>';
  const RICH = '<script>__pwned=1</script><img src=x onerror="__pwned=1;alert(1)"><a href="javascript:__pwned=1">x</a>';
  const JS = 'javascript:window.__pwned=1';
  // Every string of the document gets the payload (links get a javascript: URL, refused).
  const result = await page.evaluate(async ({ X, JS, RICH }) => {
    const cfg = JSON.parse(document.getElementById('ruche-editor').textContent);
    const doc = structuredClone(cfg.doc);
    const poison = (o) => {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'string' && (k === 'text' || Array.isArray(o))) o[k] = `${v}${X}${RICH}`;
        else if (typeof v === 'string' && !['type', 'id', 'src', 'href', 'url', 'network', 'icon', 'slug', 'language', 'theme', 'font_set', 'to', 'embed', 'thumbnail', 'size'].includes(k)) o[k] = `${v}${X}`;
        else if (v && typeof v === 'object') poison(v);
      }
    };
    poison(doc);
    const save = (d) => fetch(`/my-sites/${cfg.slug}/draft`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cfg.csrf },
      body: JSON.stringify({ version: cfg.version, document: d, publish: true }),
    });
    const links = structuredClone(doc);
    links.blocks.find((s) => s.type === 'buttons').buttons[0].href = JS;
    const refused = await save(links);
    // The version moves with every save: read it again from the editor's answer.
    let v = cfg.version;
    for (let i = 0; i < 50; i += 1) {
      const r = await fetch(`/my-sites/${cfg.slug}/draft`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cfg.csrf }, body: JSON.stringify({ version: v, document: doc, publish: true }) });
      const body = await r.json();
      if (r.ok) return { refused: refused.status, refusedBody: await refused.json(), saved: r.status };
      if (r.status === 409) { v = body.version; continue; }
      return { refused: refused.status, saved: r.status, body };
    }
    return { refused: refused.status, saved: 0 };
  }, { X, JS, RICH });
  assert.equal(result.refused, 400, JSON.stringify(result));
  assert.match(result.refusedBody.path, /buttons\[0\]\.href/);
  assert.equal(result.saved, 200, JSON.stringify(result));

  // In place, typed markup is text.
  await page.reload();
  await page.locator('.ed-toolbar').waitFor();
  const title = page.locator('main > [data-kind="banner"] [data-f="title"]');
  await title.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`${X}${RICH}`.slice(0, 110));
  await page.locator('.ed-toolbar .ed-back').focus();
  await saved(page);
  await page.locator('.ed-toolbar .ed-primary').click();
  await page.waitForFunction(() => document.querySelector('.ed-status')?.dataset.state === 'published');

  for (const where of [`${url}/p/jardin/`, `${url}/my-sites/jardin/edit`, `${url}/my-sites/jardin/preview`]) {
    await page.goto(where);
    await page.waitForLoadState('load');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, where);
  }
  assert.deepEqual(dialogs, []);
  const visitor = await (await fetch(`${url}/p/jardin/`)).text();
  const live = /.{0,80}(<svg\/onload|<script>__pwned|<img src=x|href="javascript).{0,40}/.exec(visitor);
  assert.equal(live, null, 'no live markup on the published page');
  assert.ok(visitor.includes('&lt;svg/onload=__pwned=1&gt;'), 'the typed title is shown as text');
  await context.close();
});

test('on a phone: the editor fits and its buttons work by touch', async () => {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', 'camille');
  await page.fill('input[name=password]', 'un mot de passe');
  await Promise.all([page.waitForNavigation(), page.locator('form button[type=submit]').tap()]);
  await page.goto(`${url}/my-sites/jardin/edit`);
  await page.locator('.ed-toolbar').waitFor();
  await page.locator('.ed-tour').getByRole('button', { name: 'Passer' }).tap();
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  const before = await page.locator('main > [data-block]').count();
  await page.locator('.ed-add-btn').first().tap();
  await page.locator('.ed-picker button[data-kind="separator"]').tap();
  await saved(page);
  assert.equal(await page.locator('main > [data-block]').count(), before + 1);
  // Buttons are finger-sized.
  const small = await page.locator('.ed-bar button, .ed-toolbar button').evaluateAll((bs) => bs.filter((b) => {
    const r = b.getBoundingClientRect();
    return r.width > 0 && (r.width < 40 || r.height < 40);
  }).length);
  assert.equal(small, 0, 'every editor button is at least 40 px');
  await page.screenshot({ path: path.join(OUT_DIR, 'editor-phone.png') });
  await page.getByRole('button', { name: 'Annuler', exact: true }).first().tap();
  await saved(page);
  assert.equal(await page.locator('main > [data-block]').count(), before);
  await context.close();
});
