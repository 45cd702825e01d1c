// Lighthouse (mobile, its default: Moto G Power emulation, simulated slow 4G and 4x CPU slowdown)
// on the watch page (/w/<shortUUID>) and the embed page (/videos/embed/<shortUUID>) of a real
// `ruche serve`, with an uploaded clip transcoded into a ladder.
//
// Every binary given is started on its own fresh data directory (127.0.0.1 only), receives the
// same clip and is measured in the same run, one Lighthouse run after another, alternating, so
// that "before" and "after" share the machine's state. With --identity, the last binary is also
// measured with the browser asking `Accept-Encoding: identity`, i.e. with compression off.
//
//   node bench.mjs --bin NEW [--baseline OLD] [--identity] [--runs 3] [--clip FILE] --out DIR
//   node bench.mjs --report DIR          # the Markdown again from DIR/results.json
//
// Progress goes to stderr, Markdown for bench/RESULTS.md to stdout; reports and raw figures to
// DIR.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const runs = Number(args.runs ?? 3);
const out = args.out;
const CHROME_FLAGS = '--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run';
const log = (...m) => console.error('[bench/lighthouse]', ...m);

if (!args.report && (!args.bin || !out)) {
  console.error('usage: node bench.mjs --bin PATH [--baseline PATH] [--identity] [--runs N] [--clip FILE] --out DIR');
  process.exit(2);
}
if (out) mkdirSync(out, { recursive: true });

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) a[k] = argv[++i];
    else a[k] = true;
  }
  return a;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `bin serve` on a fresh data dir; resolves once it printed its URL and password. */
async function startServer(bin, name) {
  const port = await freePort();
  const data = join(out, `data-${name}`);
  spawnSync('rm', ['-rf', data]);
  mkdirSync(data, { recursive: true });
  const listen = `127.0.0.1:${port}`;
  const child = spawn(bin, ['serve'], {
    env: { ...process.env, RUCHE_DATA_DIR: data, RUCHE_LISTEN: listen, RUCHE_PUBLIC_URL: `http://${listen}`, RUCHE_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  process.once('exit', () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    let buf = '';
    let url = null;
    let password = null;
    const timer = setTimeout(() => reject(new Error(`${bin} did not start: ${stderr.slice(-2000)}`)), 60_000);
    child.on('exit', (c) => reject(new Error(`${bin} exited (${c}): ${stderr.slice(-2000)}`)));
    child.stdout.on('data', (d) => {
      buf += d;
      url ??= buf.match(/running at (\S+)/)?.[1] ?? null;
      password ??= buf.match(/login: root \/ (\S+)/)?.[1] ?? null;
      if (url && password) {
        clearTimeout(timer);
        resolve({ child, base: url.replace(/\/+$/, ''), password, name, bin });
      }
    });
  });
}

function stopServer(s) {
  try { process.kill(-s.child.pid, 'SIGTERM'); } catch { /* gone */ }
}

async function json(res) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${res.url}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Logs in as root by PeerTube's API, uploads the clip and waits for its whole ladder. */
async function publish(s, clip) {
  const client = await json(await fetch(`${s.base}/api/v1/oauth-clients/local`));
  const token = await json(await fetch(`${s.base}/api/v1/users/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: client.client_id, client_secret: client.client_secret,
      grant_type: 'password', username: 'root', password: s.password,
    }),
  }));
  const auth = { authorization: `Bearer ${token.access_token}` };
  const me = await json(await fetch(`${s.base}/api/v1/users/me`, { headers: auth }));
  const form = new FormData();
  form.set('channelId', String(me.videoChannels[0].id));
  form.set('name', 'Lighthouse clip');
  form.set('privacy', '1');
  form.set('videofile', new Blob([readFileSync(clip)], { type: 'video/mp4' }), 'clip.mp4');
  const up = await json(await fetch(`${s.base}/api/v1/videos/upload`, { method: 'POST', headers: auth, body: form }));
  const uuid = up.video.uuid;
  const deadline = Date.now() + 600_000;
  let last = '';
  for (;;) {
    const v = await json(await fetch(`${s.base}/api/v1/videos/${uuid}`, { headers: auth }));
    const files = v.streamingPlaylists?.[0]?.files ?? [];
    const state = `${v.state?.label} ${files.map((f) => f.resolution.id).join(',')}`;
    if (state !== last) log(`${s.name}: ${state}`);
    last = state;
    // The ladder of a 720p source: 720, 480, 360, 240; the thumbnail comes with it.
    if (v.state?.id === 1 && files.length >= 4 && v.previewPath) return { uuid, short: v.shortUUID };
    if (Date.now() > deadline) throw new Error(`${s.name}: transcoding did not finish (${state})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** One Lighthouse run; returns the figures we report. */
function lighthouse(url, file, extraHeaders) {
  const bin = join(here, 'node_modules', '.bin', 'lighthouse');
  const argv = [
    url, '--quiet', '--only-categories=performance', '--output=json', `--output-path=${file}`,
    `--chrome-flags=${CHROME_FLAGS}`,
  ];
  if (extraHeaders) argv.push(`--extra-headers=${JSON.stringify(extraHeaders)}`);
  const r = spawnSync(bin, argv, {
    env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH || '/usr/bin/chromium' },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 180_000,
  });
  if (r.status !== 0) throw new Error(`lighthouse ${url} exited with ${r.status}`);
  const lhr = JSON.parse(readFileSync(file, 'utf8'));
  const a = lhr.audits;
  const requests = a['network-requests']?.details?.items ?? [];
  const lcpItem = a['largest-contentful-paint-element']?.details?.items?.[0]?.items?.[0]?.node;
  if (lhr.runtimeError) throw new Error(`lighthouse ${url}: ${lhr.runtimeError.message}`);
  return {
    score: Math.round((lhr.categories.performance.score ?? 0) * 100),
    fcp: a['first-contentful-paint'].numericValue,
    lcp: a['largest-contentful-paint'].numericValue,
    tbt: a['total-blocking-time'].numericValue,
    cls: a['cumulative-layout-shift'].numericValue,
    si: a['speed-index'].numericValue,
    bytes: a['total-byte-weight'].numericValue,
    // The progressive file fetched by the <video> element (not hls.js's byte ranges of it).
    mp4: requests.filter((q) => /\.mp4(\?|$)/.test(q.url) && q.resourceType === 'Media').length,
    hlsjs: requests.find((q) => q.url.includes('/vendor/hls.js/'))?.transferSize ?? 0,
    lcpElement: lcpItem?.nodeLabel || lcpItem?.snippet || '',
    version: lhr.lighthouseVersion,
    chrome: lhr.environment?.hostUserAgent?.match(/Chrome\/(\S+)/)?.[1] ?? '',
  };
}

const PAGES = ['watch', 'embed'];
const LABELS = [
  { name: 'before', label: 'before (baseline binary)' },
  { name: 'after-identity', label: 'after, compression off (Accept-Encoding: identity)' },
  { name: 'after', label: 'after' },
];

/** Markdown for bench/RESULTS.md: medians, and the worst run (the old pages are bimodal). */
function report(results, loadAtStart, variants, loadAtEnd) {
  const first = Object.values(results)[0][0];
  const runs = Object.values(results)[0].length;
  const md = [];
  md.push(`Lighthouse ${first.version}, Chromium ${first.chrome}, mobile preset (simulated throttling), ` +
    `${runs} run(s) per cell, medians (worst run in brackets); load average at start ${loadAtStart}; ${os.cpus().length} CPUs.`);
  md.push('');
  md.push('| page | variant | performance: median (worst) | each run | LCP: median (worst) | FCP | TBT | CLS | Speed Index | bytes | hls.js sent | progressive .mp4 fetched |');
  md.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const page of PAGES) {
    for (const variant of variants) {
      const rs = results[`${page}/${variant.name}`];
      if (!rs) continue;
      const m = (k) => median(rs.map((r) => r[k]));
      const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
      md.push(`| ${page} | ${variant.label} | **${m('score')}** (${Math.min(...rs.map((r) => r.score))}) | ${rs.map((r) => r.score).join(', ')} | ` +
        `${s(m('lcp'))} (${s(Math.max(...rs.map((r) => r.lcp)))}) | ${s(m('fcp'))} | ${Math.round(m('tbt'))} ms | ` +
        `${m('cls').toFixed(3)} | ${s(m('si'))} | ${Math.round(m('bytes') / 1000)} kB | ` +
        `${m('hlsjs') ? `${Math.round(m('hlsjs') / 1000)} kB` : 'not loaded'} | ${rs.some((r) => r.mp4) ? 'yes' : 'no'} |`);
    }
  }
  const lcpEls = Object.entries(results).filter(([, rs]) => rs[0].lcpElement).map(([k, rs]) => `${k}: ${rs[0].lcpElement}`);
  if (lcpEls.length) md.push('', `LCP element (first run): ${lcpEls.join('; ')}.`);
  if (loadAtEnd) md.push('', `Load average at the end: ${loadAtEnd}.`);
  return md.join('\n');
}

// --- run ------------------------------------------------------------------------------------
// `--report DIR`: the Markdown again from DIR/results.json, without measuring.
if (args.report) {
  const saved = JSON.parse(readFileSync(join(args.report, 'results.json'), 'utf8'));
  console.log(report(saved.results, saved.loadAtStart, saved.variants ?? LABELS, saved.loadAtEnd));
  process.exit(0);
}
const loadAtStart = os.loadavg().map((l) => l.toFixed(2)).join(' ');
const clip = args.clip;
if (!clip || !existsSync(clip)) throw new Error('--clip FILE is required (run.sh makes one)');

const variants = [];
const servers = [];
try {
  if (args.baseline) {
    const s = await startServer(args.baseline, 'before');
    servers.push(s);
    variants.push({ ...LABELS[0], server: s });
  }
  const s = await startServer(args.bin, 'after');
  servers.push(s);
  if (args.identity) variants.push({ ...LABELS[1], server: s, headers: { 'Accept-Encoding': 'identity' } });
  variants.push({ ...LABELS[2], server: s });
  for (const srv of servers) {
    log(`${srv.name}: ${srv.base} (${srv.bin}), uploading`);
    srv.video = await publish(srv, clip);
  }

  const paths = { watch: (v) => `/w/${v.short}`, embed: (v) => `/videos/embed/${v.short}` };
  const results = {};
  for (let i = 0; i < runs; i++) {
    for (const page of PAGES) {
      for (const variant of variants) {
        const url = variant.server.base + paths[page](variant.server.video);
        const key = `${page}/${variant.name}`;
        const r = lighthouse(url, join(out, `${page}-${variant.name}-${i}.json`), variant.headers);
        (results[key] ??= []).push(r);
        log(`run ${i + 1}/${runs} ${key}: ${r.score} (LCP ${(r.lcp / 1000).toFixed(1)} s, TBT ${Math.round(r.tbt)} ms, ${Math.round(r.bytes / 1000)} kB, mp4 ${r.mp4})`);
      }
    }
  }
  const loadAtEnd = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const labels = variants.map(({ name, label }) => ({ name, label }));
  writeFileSync(join(out, 'results.json'), JSON.stringify({ loadAtStart, loadAtEnd, results, variants: labels }, null, 2));

  const text = report(results, loadAtStart, labels, loadAtEnd);
  writeFileSync(join(out, 'last-run.md'), text + '\n');
  console.log(text);
} finally {
  servers.forEach(stopServer);
}
