// A published one-page site in headless Chromium: the behaviours the visitor's module adds
// (carousel controls, gallery lightbox, the map on request, the video facade), and that the
// page asks nothing of any host but ours until the visitor opens the map.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, freePort, ensureOutDir, OUT_DIR } from './helpers.mjs';

const BIN = process.env.RUCHE_BIN;
let tmp;
let server;
let browser;
let env;
let url;

const SITE = (videoUrl) => JSON.stringify({
  slug: 'atelier', title: "L'atelier", language: 'fr', published: true,
  blocks: [
    { type: 'banner', title: "L'atelier", subtitle: 'Bois et meubles' },
    { type: 'carousel', interval: 2, images: [
      { src: '/assets/vendor/leaflet/marker-icon-2x.png', alt: 'Un' },
      { src: '/assets/vendor/leaflet/marker-icon.png', alt: 'Deux' },
    ] },
    { type: 'gallery', images: [
      { src: '/assets/vendor/leaflet/marker-icon-2x.png', alt: 'Premier' },
      { src: '/assets/vendor/leaflet/marker-shadow.png', alt: 'Second' },
    ] },
    { type: 'video', url: videoUrl, title: 'Une vidéo' },
    { type: 'map', lat: 45.76, lon: 4.83, zoom: 14, label: "L'atelier", address: '12 rue des Tanneurs' },
  ],
});

before(async () => {
  assert.ok(BIN, 'set RUCHE_BIN to the ruche binary');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-pages-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    ...process.env,
    RUCHE_DATA_DIR: path.join(tmp, 'data'),
    RUCHE_LISTEN: `127.0.0.1:${port}`,
    RUCHE_PUBLIC_URL: url,
    // Tiles from our own server (they 404): the test never leaves loopback.
    RUCHE_PAGES_TILE_URL: `${url}/tiles/{z}/{x}/{y}.png`,
  };
  server = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    server.stdout.on('data', (d) => {
      out += d;
      if (/login: root \/ \S+/.test(out)) { clearTimeout(timer); resolve(); }
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  const file = path.join(tmp, 'site.json');
  await writeFile(file, SITE(`${url}/w/ew5f7C8iNWwkn3wevRkbvU`));
  const r = spawnSync(BIN, ['pages', 'import', '--owner', 'root', file], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the visitor module: carousel, lightbox, map on request, video facade', async () => {
  const page = await browser.newPage();
  const hosts = new Set();
  page.on('request', (req) => hosts.add(new URL(req.url()).host));
  await page.goto(`${url}/p/atelier/`);
  const ours = new URL(url).host;

  // Carousel: controls added, pause toggles.
  const pause = page.locator('.carousel-controls button').nth(1);
  await pause.waitFor();
  assert.equal(await pause.getAttribute('aria-label'), 'Mettre le diaporama en pause');
  await pause.click();
  assert.equal(await pause.getAttribute('aria-pressed'), 'true');
  assert.equal(await pause.getAttribute('aria-label'), 'Lancer le diaporama');

  // Lightbox: opens on the image, Escape closes it.
  await page.locator('.gallery a.lightbox').first().click();
  const dialog = page.locator('dialog.lightbox-dialog');
  assert.equal(await dialog.evaluate((d) => d.open), true);
  assert.equal(await dialog.locator('img').getAttribute('alt'), 'Premier');
  await page.keyboard.press('ArrowRight');
  assert.equal(await dialog.locator('img').getAttribute('alt'), 'Second');
  await page.keyboard.press('Escape');
  assert.equal(await dialog.evaluate((d) => d.open), false);

  // Nothing but our host so far: no tiles, no fonts or scripts from elsewhere.
  assert.deepEqual([...hosts], [ours]);
  assert.equal(await page.locator('.leaflet-container').count(), 0);

  // The map, on request.
  await page.getByRole('button', { name: 'Afficher la carte' }).click();
  await page.locator('.leaflet-container').waitFor({ timeout: 15_000 });
  await page.locator('.leaflet-marker-icon').waitFor();
  assert.ok(await page.locator('.leaflet-control-attribution').textContent().then((t) => t.includes('OpenStreetMap')));

  // The video facade becomes the instance's embed player when asked.
  await page.getByRole('button', { name: 'Lire la vidéo' }).click();
  const src = await page.locator('.video-facade iframe').getAttribute('src');
  assert.equal(src, `${url}/videos/embed/ew5f7C8iNWwkn3wevRkbvU?autoplay=1`);

  await ensureOutDir();
  await page.screenshot({ path: path.join(OUT_DIR, 'pages.png'), fullPage: true });
  await page.close();
});
