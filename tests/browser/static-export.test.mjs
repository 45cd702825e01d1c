// A site's static export: the zip from the editor, served by `python3 -m http.server` (any web
// host), must look like the live site — compared pixel by pixel in Chromium — and its contact
// form must post back to the instance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, freePort, ensureOutDir, OUT_DIR } from './helpers.mjs';

const BIN = process.env.RUCHE_BIN;
let tmp;
let server;
let files;
let browser;
let url;
let rootPassword;
let staticUrl;

function picture(name, size) {
  const file = path.join(tmp, name);
  const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}`, '-frames:v', '1', file]);
  assert.equal(r.status, 0, String(r.stderr));
  return readFile(file).then((b) => `data:image/jpeg;base64,${b.toString('base64')}`);
}

async function waitFor(check, what) {
  for (let i = 0; i < 200; i += 1) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up`);
}

before(async () => {
  assert.ok(BIN, 'set RUCHE_BIN to the ruche binary');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-export-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    RUCHE_DATA_DIR: path.join(tmp, 'data'),
    RUCHE_LISTEN: `127.0.0.1:${port}`,
    RUCHE_PUBLIC_URL: url,
    RUCHE_PAGES_TILE_URL: `${url}/tiles/{z}/{x}/{y}.png`,
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
  const site = {
    slug: 'potager', title: 'Le potager du quartier', language: 'fr', published: true, theme: 'forest',
    description: 'Un jardin partagé', blocks: [
      { type: 'banner', title: 'Le potager du quartier', subtitle: 'Cultiver ensemble', image: { src: await picture('hero.jpg', '1600x900'), alt: 'Les bacs' }, menu: 'Accueil' },
      { type: 'text', heading: 'Qui sommes-nous', columns: ['<p>Une <strong>association</strong> de voisins.</p>', '<p>Le samedi matin, au jardin.</p>'], menu: 'Nous' },
      { type: 'gallery', heading: 'En images', images: [{ src: await picture('a.jpg', '800x600'), alt: 'Tomates' }, { src: await picture('b.jpg', '800x800'), alt: 'Courges' }] },
      { type: 'cards', heading: 'Ateliers', cards: [{ title: 'Semis', text: '<p>En mars.</p>', image: { src: await picture('c.jpg', '600x400'), alt: 'Semis' } }, { title: 'Compost', text: '<p>Toute l’année.</p>' }, { title: 'Récolte', text: '<p>En été.</p>' }] },
      { type: 'timeline', heading: 'Histoire', entries: [{ date: '2019', title: 'Création' }, { date: '2024', title: 'Nouveaux bacs' }] },
      { type: 'contact', heading: 'Écrivez-nous', to: 'potager@example.org' },
      { type: 'map', lat: 45.77, lon: 4.83, zoom: 15, label: 'Le jardin', address: '3 rue des Fleurs, Lyon' },
      { type: 'footer', text: '<p>© Le potager</p>', links: [{ label: 'Mentions', href: '#pied' }] },
    ],
  };
  const doc = path.join(tmp, 'site.json');
  await writeFile(doc, JSON.stringify(site));
  const r = spawnSync(BIN, ['pages', 'import', '--owner', 'root', doc], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const p of [server, files]) {
    if (p && p.exitCode === null) {
      try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A settled full-page screenshot: fonts and every picture loaded, no motion. */
async function shot(page, address) {
  await page.goto(address);
  // Faces are `font-display: optional` (used if there for the first paint, never swapped in
  // later): fetch every face once, then visit again with them in the cache, as a returning
  // visitor would, so both pages draw with the site's fonts.
  await page.evaluate(() => Promise.all([...document.fonts].map((f) => f.load().catch(() => null))));
  await page.reload();
  await page.evaluate(async () => {
    for (const img of document.querySelectorAll('img[loading=lazy]')) img.loading = 'eager';
    await Promise.all([...document.images].map((i) => (i.complete ? null : new Promise((r) => { i.onload = r; i.onerror = r; }))));
    await document.fonts.ready;
  });
  return page.screenshot({ fullPage: true });
}

/** Share of pixels that differ noticeably between two PNG screenshots, measured in Chromium. */
async function difference(page, a, b) {
  return page.evaluate(async ([a64, b64]) => {
    const load = (s) => new Promise((resolve, reject) => { const i = new Image(); i.onload = () => resolve(i); i.onerror = reject; i.src = `data:image/png;base64,${s}`; });
    const [ia, ib] = await Promise.all([load(a64), load(b64)]);
    if (ia.width !== ib.width || ia.height !== ib.height) return { sizes: [ia.width, ia.height, ib.width, ib.height], ratio: 1 };
    const pixels = (img) => {
      const c = document.createElement('canvas');
      c.width = img.width; c.height = img.height;
      const x = c.getContext('2d');
      x.drawImage(img, 0, 0);
      return x.getImageData(0, 0, img.width, img.height).data;
    };
    const pa = pixels(ia);
    const pb = pixels(ib);
    let differ = 0;
    for (let i = 0; i < pa.length; i += 4) {
      const d = Math.abs(pa[i] - pb[i]) + Math.abs(pa[i + 1] - pb[i + 1]) + Math.abs(pa[i + 2] - pb[i + 2]);
      if (d > 48) differ += 1;
    }
    return { ratio: differ / (pa.length / 4), sizes: [ia.width, ia.height] };
  }, [a.toString('base64'), b.toString('base64')]);
}

test('the static zip looks like the live site and its form posts back', async () => {
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  await page.goto(`${url}/login`);
  await page.fill('input[name=username]', 'root');
  await page.fill('input[name=password]', rootPassword);
  await Promise.all([page.waitForNavigation(), page.locator('form button[type=submit]').click()]);

  // The zip, as the editor's link gives it.
  const res = await page.request.get(`${url}/my-sites/potager/export.zip`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'application/zip');
  const zip = path.join(tmp, 'potager.zip');
  await writeFile(zip, await res.body());
  const dir = path.join(tmp, 'static');
  const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', zip, dir]);
  assert.equal(unzip.status, 0, String(unzip.stderr));
  const list = (await readdir(dir, { recursive: true })).map(String);
  assert.ok(list.includes('index.html'));
  assert.ok(list.some((f) => /^pages-media\/[0-9a-f]{16}-1600x900\.webp$/.test(f)), list.join(' '));
  assert.ok(list.some((f) => /^pages-media\/[0-9a-f]{16}-1600x900-480\.webp$/.test(f)), 'the srcset variants too');
  assert.ok(list.includes(path.join('assets', 'pages', 'site.js')));
  assert.ok(list.some((f) => f.startsWith(path.join('assets', 'fonts')) && f.endsWith('.woff2')));
  assert.ok(list.includes(path.join('assets', 'vendor', 'leaflet', 'leaflet.esm.js')));
  const html = await readFile(path.join(dir, 'index.html'), 'utf8');
  assert.ok(!/["( ]\/(assets|pages-media)\//.test(html), 'no path tied to the instance\'s root');
  assert.ok(html.includes(`action="${url}/p/potager/contact"`), 'the form posts back to the instance');

  const port = await freePort();
  staticUrl = `http://127.0.0.1:${port}`;
  files = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { stdio: 'ignore', detached: true });
  await waitFor(async () => (await fetch(`${staticUrl}/index.html`)).ok, 'python3 -m http.server');

  await ensureOutDir();
  for (const [w, h] of [[1280, 900], [390, 844]]) {
    const view = await browser.newContext({ locale: 'fr-FR', viewport: { width: w, height: h }, reducedMotion: 'reduce' });
    const p = await view.newPage();
    const live = await shot(p, `${url}/p/potager/`);
    const copy = await shot(p, `${staticUrl}/index.html`);
    await writeFile(path.join(OUT_DIR, `export-live-${w}.png`), live);
    await writeFile(path.join(OUT_DIR, `export-static-${w}.png`), copy);
    const d = await difference(p, live, copy);
    console.log(`# static export vs live site at ${w}×${h}: ${(d.ratio * 100).toFixed(3)} % of pixels differ (${d.sizes.join('×')})`);
    assert.ok(d.ratio < 0.01, `${(d.ratio * 100).toFixed(2)} % of pixels differ at ${w}px`);
    await view.close();
  }

  // The static page's form reaches the instance, and the message waits in the inbox.
  const visitor = await (await browser.newContext({ locale: 'fr-FR' })).newPage();
  await visitor.goto(`${staticUrl}/index.html`);
  await visitor.fill('#c-name', 'Léa');
  await visitor.fill('#c-email', 'lea@example.org');
  await visitor.fill('#c-message', 'Bonjour, peut-on venir samedi ?');
  await Promise.all([visitor.waitForURL(`${url}/p/potager/contact`), visitor.locator('form.contact button[type=submit]').click()]);
  assert.match(await visitor.locator('[role=status]').textContent(), /./);
  const inbox = await page.request.get(`${url}/my-sites/potager/inbox`);
  assert.ok((await inbox.text()).includes('Bonjour, peut-on venir samedi ?'));
  await context.close();
});
