// Measures a published Pages site against the issue's quality bars, on a running server:
//
//   weight      the first view's HTML + the CSS and JS it references (not images, not fonts),
//               compressed: the server's own encoding when it compresses, else gzip -9 and
//               brotli q11 computed here. Inline `data:image` bytes are left out of the HTML
//               figure (and reported apart) while imports still keep pictures inline.
//   lighthouse  N runs of Lighthouse (mobile, the default), scores per category, median
//               performance, and the audits that keep a category under 100.
//   wrk         req/s of the page and of a static file of the same server, alternated.
//
//   node measure.mjs --base http://127.0.0.1:PORT --slug SLUG [--control SLUG2]
//        [--static /assets/css/ruche.css] [--runs 3] [--rounds 3] [--duration 10]
//        [--connections 32] [--threads 2] [--skip-lighthouse] [--skip-wrk] --out DIR
//
// Progress goes to stderr; Markdown for bench/RESULTS.md to stdout; raw figures and the
// Lighthouse reports to DIR.

import http from 'node:http';
import zlib from 'node:zlib';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const loadAtStart = os.loadavg().map((l) => l.toFixed(2)).join(' ');
const args = parseArgs(process.argv.slice(2));
const base = args.base;
const slug = args.slug;
const out = args.out;
const runs = Number(args.runs ?? 3);
const rounds = Number(args.rounds ?? 3);
const duration = Number(args.duration ?? 10);
const connections = Number(args.connections ?? 32);
const threads = Number(args.threads ?? 2);
const staticPath = args.static ?? '/assets/css/ruche.css';
const pagePath = `/p/${slug}/`;
const BAR_BYTES = 50_000;
const BAR_RPS = 5000;
// What a browser sends; the server may or may not honour it.
const ACCEPT_ENCODING = 'gzip, deflate, br';

if (!base || !slug || !out) {
  console.error('usage: node measure.mjs --base URL --slug SLUG --out DIR [options]');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

function parseArgs(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) a[k] = argv[++i];
    else a[k] = true;
  }
  return a;
}

const log = (...m) => console.error('[bench/pages]', ...m);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const gz = (b) => zlib.gzipSync(b, { level: 9 }).length;
const br = (b) =>
  zlib.brotliCompressSync(b, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length,
    },
  }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
const fmt = (n) => n.toLocaleString('en-US').replace(/,/g, ' ');

/** GET with a browser's Accept-Encoding; returns the bytes as sent and decoded. */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'accept-encoding': ACCEPT_ENCODING, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const wire = Buffer.concat(chunks);
        const enc = (res.headers['content-encoding'] || '').trim().toLowerCase();
        let body = wire;
        if (enc === 'gzip') body = zlib.gunzipSync(wire);
        else if (enc === 'br') body = zlib.brotliDecompressSync(wire);
        else if (enc === 'deflate') body = zlib.inflateSync(wire);
        resolve({ status: res.statusCode, headers: res.headers, wire, body, encoding: enc || null });
      });
    });
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// 1. First-view weight

const DATA_IMAGE = /data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+/gi;

function attr(tag, name) {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[2] ?? m[3] ?? m[4]) : null;
}

/** The stylesheets and scripts a page's first view loads (not fonts, not images). */
function referenced(html, pageUrl) {
  const refs = [];
  for (const tag of html.match(/<link\b[^>]*>/gi) || []) {
    const rel = (attr(tag, 'rel') || '').toLowerCase().split(/\s+/);
    const as = (attr(tag, 'as') || '').toLowerCase();
    const href = attr(tag, 'href');
    if (!href) continue;
    if (rel.includes('stylesheet') || (rel.includes('preload') && as === 'style')) refs.push({ kind: 'css', url: new URL(href, pageUrl).href });
    else if (rel.includes('modulepreload') || (rel.includes('preload') && as === 'script')) refs.push({ kind: 'js', url: new URL(href, pageUrl).href });
  }
  for (const tag of html.match(/<script\b[^>]*>/gi) || []) {
    const src = attr(tag, 'src');
    if (src) refs.push({ kind: 'js', url: new URL(src, pageUrl).href });
  }
  return refs;
}

/** Static imports of an ES module and @imports of a stylesheet (loaded with it); not import(). */
function nested(kind, text, url) {
  const found = [];
  if (kind === 'js') {
    const re = /^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;
    for (const m of text.matchAll(re)) found.push({ kind: 'js', url: new URL(m[1], url).href });
  } else {
    const re = /@import\s+(?:url\()?\s*['"]?([^'")\s;]+)/g;
    for (const m of text.matchAll(re)) found.push({ kind: 'css', url: new URL(m[1], url).href });
  }
  return found;
}

/** The page cut into its parts (head, inline style, JSON-LD, each block) for the breakdown; each
 * part is a list of fragments of the page, so that it can be cut out to see what it adds. */
function parts(html) {
  const list = [];
  const headEnd = html.indexOf('</head>');
  let head = [html.slice(0, headEnd)];
  const cut = (frags, piece) => frags.flatMap((f) => f.split(piece));
  const style = /<style>([\s\S]*?)<\/style>/i.exec(html);
  if (style) {
    const css = style[1];
    const faces = css.match(/@font-face\{[^}]*\}/g) || [];
    const roots = css.match(/:root\{[^}]*\}/g) || [];
    list.push({ name: 'inline `<style>`: `@font-face` rules', frags: faces });
    list.push({ name: 'inline `<style>`: theme tokens (`:root`)', frags: roots });
    list.push({ name: 'inline `<style>`: layout CSS (site.css)', frags: css.split(/@font-face\{[^}]*\}|:root\{[^}]*\}/) });
    head = cut(head, css);
  }
  const ld = /<script type="application\/ld\+json">[\s\S]*?<\/script>/i.exec(html);
  if (ld) {
    list.push({ name: 'JSON-LD', frags: [ld[0]] });
    head = cut(head, ld[0]);
  }
  list.push({ name: '`<head>`: meta, title, OpenGraph', frags: head });
  const body = html.slice(headEnd);
  const re = /<(?:section|header) id="([^"]*)" class="block b-([a-z]+)/g;
  const starts = [...body.matchAll(re)].map((m) => ({ at: m.index, name: `block ${m[2]} (#${m[1]})` }));
  const mainEnd = body.lastIndexOf('</main>');
  const first = starts.length ? starts[0].at : mainEnd;
  list.push({ name: '`<body>` chrome: menu, script tag, closing tags', frags: [body.slice(0, first), body.slice(mainEnd)] });
  starts.forEach((s, i) => list.push({ name: s.name, frags: [body.slice(s.at, i + 1 < starts.length ? starts[i + 1].at : mainEnd)] }));
  for (const p of list) p.frags = p.frags.filter((f) => f.length > 0);
  return list;
}

async function weight() {
  const pageUrl = base + pagePath;
  const page = await get(pageUrl);
  if (page.status !== 200) throw new Error(`GET ${pageUrl}: ${page.status}`);
  const html = page.body.toString('utf8');
  const dataUris = html.match(DATA_IMAGE) || [];
  const dataBytes = dataUris.reduce((n, d) => n + Buffer.byteLength(d), 0);
  const stripped = Buffer.from(html.replace(DATA_IMAGE, ''), 'utf8');
  const inline = dataUris.length > 0;
  // The HTML as the bar counts it: without inline pictures, which are images.
  const htmlRes = {
    kind: 'html',
    url: pageUrl,
    raw: page.body.length,
    wire: page.wire.length,
    encoding: page.encoding,
    counted: stripped.length,
    gzip: gz(stripped),
    brotli: br(stripped),
    rawGzip: gz(page.body),
    rawBrotli: br(page.body),
  };
  const resources = [htmlRes];
  const seen = new Set([pageUrl]);
  const queue = referenced(html, pageUrl);
  while (queue.length) {
    const r = queue.shift();
    if (seen.has(r.url)) continue;
    seen.add(r.url);
    const res = await get(r.url);
    if (res.status !== 200) throw new Error(`GET ${r.url}: ${res.status}`);
    resources.push({
      kind: r.kind,
      url: r.url,
      raw: res.body.length,
      wire: res.wire.length,
      encoding: res.encoding,
      counted: res.body.length,
      gzip: gz(res.body),
      brotli: br(res.body),
      cacheControl: res.headers['cache-control'] || '',
    });
    queue.push(...nested(r.kind, res.body.toString('utf8'), r.url));
  }
  // The server's compression counts where it compresses and nothing inline has to be left out.
  const serverCompresses = resources.some((r) => r.encoding);
  for (const r of resources) {
    r.served = r.encoding && !(r.kind === 'html' && inline) ? r.wire : null;
  }
  const total = (k) => resources.reduce((n, r) => n + r[k], 0);
  const totalServed = resources.every((r) => r.served != null) ? total('served') : null;

  // Where the bytes are: each part's share of the page, raw and by what it adds to the gzip.
  const whole = gz(stripped);
  const pieces = parts(html).map((p) => {
    const text = p.frags.join('');
    const pictures = text.match(DATA_IMAGE) || [];
    let rest = html;
    for (const f of p.frags) rest = rest.replace(f, '');
    return {
      name: p.name,
      raw: Buffer.byteLength(text),
      images: pictures.length,
      imageBytes: pictures.reduce((n, d) => n + Buffer.byteLength(d), 0),
      text: Buffer.byteLength(text.replace(DATA_IMAGE, '')),
      gzipShare: whole - gz(Buffer.from(rest.replace(DATA_IMAGE, ''), 'utf8')),
    };
  });
  // Where each picture appears (an <img>, a lightbox link, og:image…), to spot duplicates.
  const uses = {};
  for (const m of html.matchAll(/(\b[a-z:-]+)=\s*"(data:image\/[^"]{0,40})/gi)) uses[m[1]] = (uses[m[1]] || 0) + 1;
  const distinct = new Set(dataUris).size;
  const imgUrls = [...html.matchAll(/<img\b[^>]*>/gi)].map((m) => attr(m[0], 'src')).filter((s) => s && !s.startsWith('data:'));
  const fontFaces = (html.match(/@font-face\{/g) || []).length;
  return {
    pageUrl,
    resources,
    serverCompresses,
    inline,
    dataUris: dataUris.length,
    distinctDataUris: distinct,
    dataBytes,
    dataUses: uses,
    imgUrls,
    fontFaces,
    total: { counted: total('counted'), gzip: total('gzip'), brotli: total('brotli'), served: totalServed },
    pieces,
    pageBytesOnWire: page.wire.length,
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Lighthouse

function lighthouseRun(i, path = pagePath, name = `lighthouse-${i}.json`) {
  const file = join(out, name);
  const bin = join(here, 'node_modules', '.bin', 'lighthouse');
  const r = spawnSync(
    bin,
    [
      base + path,
      '--output=json',
      `--output-path=${file}`,
      '--quiet',
      '--chrome-flags=--headless=new --no-sandbox --disable-gpu',
    ],
    { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH || '/usr/bin/chromium' }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`lighthouse run ${i} exited with ${r.status}`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

const CATS = ['performance', 'accessibility', 'best-practices', 'seo'];
const METRICS = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index'];

/** Audits that keep a category under 100, with what Lighthouse says of them. */
function failing(lhr, cat) {
  const rows = [];
  for (const ref of lhr.categories[cat].auditRefs) {
    const a = lhr.audits[ref.id];
    if (!a || a.score === null || a.score >= 1) continue;
    if (['notApplicable', 'manual', 'informative'].includes(a.scoreDisplayMode)) continue;
    rows.push({ id: a.id, title: a.title, score: a.score, weight: ref.weight, display: a.displayValue || '', details: detailLines(a, ref.weight > 0 ? 6 : 3) });
  }
  rows.sort((x, y) => y.weight - x.weight || x.score - y.score);
  return rows;
}

function detailLines(a, max) {
  const d = a.details;
  if (!d || !Array.isArray(d.items)) return [];
  const lines = [];
  for (const it of d.items.slice(0, max)) {
    const parts = [];
    if (it.node?.snippet) parts.push(it.node.snippet.slice(0, 160));
    if (it.description) parts.push(String(it.description).slice(0, 200));
    if (!it.url && it.sourceLocation?.url) parts.push(it.sourceLocation.url);
    if (it.node?.explanation) parts.push(it.node.explanation.split('\n').slice(0, 2).join(' ').slice(0, 200));
    if (it.url) parts.push(it.url.length > 100 ? it.url.slice(0, 100) + '…' : it.url);
    if (it.totalBytes != null) parts.push(`${fmt(it.totalBytes)} B`);
    if (it.wastedBytes != null) parts.push(`${fmt(Math.round(it.wastedBytes))} B wasted`);
    if (it.wastedMs != null) parts.push(`${Math.round(it.wastedMs)} ms wasted`);
    if (it.subItems?.items?.length) {
      for (const s of it.subItems.items.slice(0, 3)) {
        if (s.relatedNode?.snippet) parts.push(`related: ${s.relatedNode.snippet.slice(0, 120)}`);
        if (s.cause) parts.push(`cause: ${s.cause}`);
      }
    }
    if (it.groupLabel && it.duration != null) parts.push(`${it.groupLabel}: ${Math.round(it.duration)} ms`);
    if (it.phase && it.timing != null) parts.push(`${it.phase}: ${Math.round(it.timing)} ms`);
    if (it.statistic) parts.push(`${it.statistic}: ${typeof it.value === 'object' ? it.value.value : it.value}`);
    if (parts.length) lines.push(parts.join(' — '));
  }
  if (d.items.length > max) lines.push(`… and ${d.items.length - max} more`);
  return lines;
}

function lighthouse() {
  const reports = [];
  for (let i = 1; i <= runs; i++) {
    log(`Lighthouse run ${i}/${runs}…`);
    const lhr = lighthouseRun(i);
    if (lhr.runtimeError) log(`  runtime error: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const scores = Object.fromEntries(CATS.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]));
    const metrics = Object.fromEntries(METRICS.map((m) => [m, lhr.audits[m]?.displayValue ?? '']));
    log(`  scores ${JSON.stringify(scores)}`);
    reports.push({ i, lhr, scores, metrics, bytes: lhr.audits['total-byte-weight']?.numericValue });
  }
  const medPerf = median(reports.map((r) => r.scores.performance));
  // The run whose performance is the median one, for the audit details.
  const mid = [...reports].sort((a, b) => a.scores.performance - b.scores.performance)[Math.floor((reports.length - 1) / 2)];
  const fails = {};
  for (const c of CATS) {
    if (mid.scores[c] < 100) fails[c] = failing(mid.lhr, c);
  }
  const heaviest = (mid.lhr.audits['total-byte-weight']?.details?.items || []).slice(0, 10).map((it) => ({ url: it.url, bytes: it.totalBytes }));
  const lcpEl = mid.lhr.audits['largest-contentful-paint-element']?.details?.items?.[0]?.items?.[0]?.node?.snippet || '';
  // Layout shifts of every run (they vary from run to run with when the fonts arrive).
  // Causes are in `layout-shifts` or only in the `cls-culprits-insight` table, depending on the run.
  const causesOf = (items) => [...new Set((items || []).map((s) => [s.cause, s.extra?.value && String(s.extra.value).split('/').pop()].filter(Boolean).join(' ')).filter(Boolean))];
  const shifts = reports.map((r) => {
    const culprits = (r.lhr.audits['cls-culprits-insight']?.details?.items || []).flatMap((t) => t.items || []).filter((x) => x.node?.type === 'node');
    return {
      i: r.i,
      cls: r.metrics['cumulative-layout-shift'],
      items: (r.lhr.audits['layout-shifts']?.details?.items || []).map((it) => {
        let causes = causesOf(it.subItems?.items);
        if (!causes.length) causes = causesOf(culprits.find((c) => c.node?.snippet === it.node?.snippet)?.subItems?.items);
        return { score: it.score, node: it.node?.snippet || '', causes };
      }),
    };
  });
  const mainThread = (mid.lhr.audits['mainthread-work-breakdown']?.details?.items || []).map((x) => `${x.groupLabel} ${Math.round(x.duration)} ms`);
  let control = null;
  if (args.control) {
    log('Lighthouse, control page (no pictures), 1 run…');
    const c = lighthouseRun(0, `/p/${args.control}/`, 'lighthouse-control.json');
    control = {
      scores: Object.fromEntries(CATS.map((k) => [k, Math.round((c.categories[k]?.score ?? 0) * 100)])),
      metrics: Object.fromEntries(METRICS.map((k) => [k, c.audits[k]?.displayValue ?? ''])),
      bytes: c.audits['total-byte-weight']?.numericValue,
      fails: Object.fromEntries(CATS.map((k) => [k, failing(c, k).filter((a) => a.weight > 0).map((a) => `${a.id} (${a.display || a.score})`)])),
    };
    log(`  scores ${JSON.stringify(control.scores)}`);
  }
  return {
    version: mid.lhr.lighthouseVersion,
    userAgent: mid.lhr.environment?.hostUserAgent || '',
    formFactor: mid.lhr.configSettings?.formFactor,
    throttling: mid.lhr.configSettings?.throttlingMethod,
    runs: reports.map(({ i, scores, metrics, bytes }) => ({ i, scores, metrics, bytes })),
    medianPerformance: medPerf,
    medianRun: mid.i,
    fails,
    heaviest,
    lcpElement: lcpEl,
    shifts,
    mainThread,
    control,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. Throughput

function wrk(path) {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${duration}s`, '--latency', '-H', `Accept-Encoding: ${ACCEPT_ENCODING}`, base + path]);
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${text}`));
      const num = (re) => {
        const m = re.exec(text);
        return m ? m[1] : null;
      };
      const unit = (v) => {
        const m = /([\d.]+)(\w+)/.exec(v || '');
        if (!m) return null;
        const f = { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]] ?? 1;
        return Number(m[1]) * f;
      };
      resolve({
        path,
        rps: Number(num(/Requests\/sec:\s*([\d.]+)/)),
        transfer: num(/Transfer\/sec:\s*(\S+)/),
        requests: Number(num(/(\d+) requests in/)),
        latencyAvgMs: unit(num(/Latency\s+(\S+)/)),
        p50Ms: unit(num(/50%\s+(\S+)/)),
        p99Ms: unit(num(/99%\s+(\S+)/)),
        non2xx: Number(num(/Non-2xx or 3xx responses:\s*(\d+)/) || 0),
        socketErrors: num(/Socket errors:\s*([^\n]+)/),
        raw: text,
      });
    });
  });
}

async function throughput() {
  const targets = [
    { key: 'page', path: pagePath },
    { key: 'static', path: staticPath },
  ];
  if (args.control) targets.push({ key: 'control', path: `/p/${args.control}/` });
  for (const t of targets) {
    const r = await get(base + t.path);
    if (r.status !== 200) throw new Error(`GET ${t.path}: ${r.status}`);
    t.bytes = r.wire.length;
  }
  const samples = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const t of targets) {
      log(`wrk round ${round}/${rounds}: ${t.path}`);
      const r = await wrk(t.path);
      log(`  ${r.rps.toFixed(0)} req/s, ${r.transfer}/s, p99 ${r.p99Ms} ms${r.non2xx ? `, ${r.non2xx} non-2xx` : ''}${r.socketErrors ? `, socket errors ${r.socketErrors}` : ''}`);
      samples[t.key].push(r);
    }
  }
  const med = Object.fromEntries(targets.map((t) => [t.key, median(samples[t.key].map((s) => s.rps))]));
  return { targets, samples, med, ratio: med.page / med.static };
}

// ---------------------------------------------------------------------------------------------
// Report

function machine() {
  const cpu = os.cpus();
  const version = (cmd, a) => {
    const r = spawnSync(cmd, a, { encoding: 'utf8' });
    return `${r.stdout || ''}${r.stderr || ''}`.split('\n')[0].trim();
  };
  return {
    cores: cpu.length,
    model: cpu[0]?.model?.trim() || '',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    chromium: version(process.env.CHROME_PATH || '/usr/bin/chromium', ['--version']),
    wrk: version('wrk', ['-v']).replace(/\s*\[.*$/, ''),
    node: process.version,
  };
}

const md = [];
const p = (s = '') => md.push(s);

const results = { date: new Date().toISOString() };

log('measuring the first view…');
const w = await weight();
results.weight = w;
const L = args['skip-lighthouse'] ? null : lighthouse();
results.lighthouse = L;
const T = args['skip-wrk'] ? null : await throughput();
results.throughput = T && { ...T, samples: Object.fromEntries(Object.entries(T.samples).map(([k, v]) => [k, v.map(({ raw, ...r }) => r)])) };
const m = machine();
results.machine = m;
writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1));

p(`Machine: ${m.cores} cores (${m.model}), ${m.memGiB} GiB; load average ${loadAtStart} at the start, ${m.load} at the end; ${m.chromium}; ${m.wrk}; Node ${m.node}. ` +
  `Server, Chromium and wrk share the machine, on 127.0.0.1. Release build: ${process.env.BENCH_BUILD || 'unknown'}.`);
p();
p(`Page: \`${pagePath}\`, every block type, ${w.distinctDataUris || w.imgUrls.length} pictures. ` +
  (w.inline
    ? `Pictures are **still inline** in the HTML as \`data:image\` URIs (${w.dataUris} occurrences of ${w.distinctDataUris} distinct pictures, ${fmt(w.dataBytes)} bytes: ${Object.entries(w.dataUses).map(([k, v]) => `${v}× in \`${k}\``).join(', ')}). The HTML as served is ${fmt(w.resources[0].raw)} bytes (${fmt(w.resources[0].rawGzip)} gzip -9).`
    : `Pictures are served as files (${w.imgUrls.length} \`<img>\` sources, e.g. \`${(w.imgUrls[0] || '').slice(0, 80)}\`), not inline.`));
p();

// -- weight
p('**First view: HTML + CSS + JS, compressed (images and fonts excluded).** ' +
  (w.serverCompresses
    ? 'The server compresses (`Content-Encoding` on the answers below); its bytes are used where nothing inline had to be left out.'
    : 'The server does **not** compress (no `Content-Encoding` for `Accept-Encoding: gzip, deflate, br`): sizes are gzip -9 and brotli q11 computed on its answers.') +
  (w.inline ? ' Inline `data:image` URIs are cut out of the HTML before compressing (they are images).' : ''));
p();
p('| resource | bytes counted | server sends | gzip -9 | brotli q11 |');
p('|---|---|---|---|---|');
for (const r of w.resources) {
  const name = r.kind === 'html' ? `HTML \`${new URL(r.url).pathname}\`${w.inline ? ' (without data: URIs)' : ''}` : `${r.kind.toUpperCase()} \`${new URL(r.url).pathname}\``;
  p(`| ${name} | ${fmt(r.counted)} | ${fmt(r.wire)}${r.encoding ? ` (${r.encoding})` : ' (identity)'} | ${fmt(r.gzip)} | ${fmt(r.brotli)} |`);
}
const best = w.total.served ?? Math.min(w.total.gzip, w.total.brotli);
const bestLabel = w.total.served != null ? 'as served' : w.total.brotli < w.total.gzip ? 'brotli' : 'gzip';
p(`| **total** | ${fmt(w.total.counted)} | ${w.total.served != null ? fmt(w.total.served) : '—'} | **${fmt(w.total.gzip)}** | **${fmt(w.total.brotli)}** |`);
p();
p(`Bar: ≤ 50 kB (50 000 bytes). gzip -9: ${kb(w.total.gzip)} → **${w.total.gzip <= BAR_BYTES ? 'met' : 'missed'}**; ` +
  `brotli: ${kb(w.total.brotli)} → **${w.total.brotli <= BAR_BYTES ? 'met' : 'missed'}**` +
  (w.total.served != null ? `; as served: ${kb(w.total.served)} → **${w.total.served <= BAR_BYTES ? 'met' : 'missed'}**.` : '.') +
  ` Fonts not counted: the inline CSS declares ${w.fontFaces} \`@font-face\` rules (only those used are fetched).`);
p();
p('Where the HTML\'s bytes are (share of gzip = what the part adds to the compressed page):');
p();
p('| part | raw bytes | of which data: images | text bytes | share of gzip |');
p('|---|---|---|---|---|');
for (const x of [...w.pieces].sort((a, b) => b.raw - a.raw)) {
  p(`| ${x.name} | ${fmt(x.raw)} | ${x.images ? `${fmt(x.imageBytes)} (${x.images})` : '0'} | ${fmt(x.text)} | ${fmt(x.gzipShare)} |`);
}
p();

// -- lighthouse
if (L) {
  p(`**Lighthouse ${L.version}** (${L.formFactor}, ${L.throttling} throttling, Debian Chromium headless), ${runs} runs:`);
  p();
  p('| run | performance | accessibility | best practices | SEO | FCP | LCP | TBT | CLS | SI | total bytes |');
  p('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of L.runs) {
    p(`| ${r.i} | ${r.scores.performance} | ${r.scores.accessibility} | ${r.scores['best-practices']} | ${r.scores.seo} | ${METRICS.map((k) => r.metrics[k]).join(' | ')} | ${r.bytes != null ? kb(r.bytes) : ''} |`);
  }
  p();
  const others = CATS.filter((c) => c !== 'performance');
  const met = L.medianPerformance >= 98 && others.every((c) => L.runs.every((r) => r.scores[c] === 100));
  p(`Median performance: **${L.medianPerformance}** (bar: performance ≥ 98, accessibility, best practices and SEO 100: ${met ? '**met**' : '**missed**'}). LCP element: \`${L.lcpElement.replace(/`/g, "'").slice(0, 140)}\`.`);
  p();
  for (const [cat, rows] of Object.entries(L.fails)) {
    p(`Audits under 100 in *${cat}* (run ${L.medianRun}, by weight):`);
    p();
    for (const a of rows) {
      p(`- \`${a.id}\` — ${a.title} (score ${a.score}, weight ${a.weight}${a.display ? `, ${a.display.replace(/\s+/g, ' ')}` : ''})`);
      for (const l of a.details) p(`  - ${l.replace(/\s+/g, ' ').replace(/\|/g, '\\|')}`);
    }
    p();
  }
  p(`Main thread (run ${L.medianRun}): ${L.mainThread.join(', ')}.`);
  p();
  const shifted = L.shifts.filter((r) => r.items.length);
  if (shifted.length) {
    p('Layout shifts (CLS is weighted 25 in performance; it varies between runs):');
    p();
    for (const r of L.shifts) {
      p(`- run ${r.i}: CLS ${r.cls}` + (r.items.length ? ` — ${r.items.map((x) => `\`${x.node.replace(/`/g, "'").slice(0, 60)}\` ${x.score.toFixed(3)} (${x.causes.join(', ') || 'no cause given'})`).join('; ')}` : ''));
    }
    p();
  }
  if (L.control) {
    const c = L.control;
    p(`Diagnostic, not the bar: one Lighthouse run of the control page (the same site without its pictures): ` +
      `performance ${c.scores.performance}, accessibility ${c.scores.accessibility}, best practices ${c.scores['best-practices']}, SEO ${c.scores.seo}; ` +
      `FCP ${c.metrics['first-contentful-paint']}, LCP ${c.metrics['largest-contentful-paint']}, TBT ${c.metrics['total-blocking-time']}, CLS ${c.metrics['cumulative-layout-shift']}, ${c.bytes != null ? kb(c.bytes) : '?'} transferred. ` +
      `Weighted audits under 100: ${Object.entries(c.fails).filter(([, v]) => v.length).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ') || 'none'}.`);
    p();
  }
  if (L.heaviest.length) {
    p('Heaviest network requests (Lighthouse `total-byte-weight`):');
    p();
    for (const h of L.heaviest) p(`- ${fmt(h.bytes)} B — \`${h.url.length > 90 ? h.url.slice(0, 90) + '…' : h.url}\``);
    p();
  }
}

// -- throughput
if (T) {
  p(`**Throughput**: wrk, ${threads} threads, ${connections} connections, ${duration} s each, \`Accept-Encoding: ${ACCEPT_ENCODING}\`, alternated ${T.targets.map((t) => t.key).join(' / ')} × ${rounds}:`);
  p();
  p('| target | bytes per answer | ' + Array.from({ length: rounds }, (_, i) => `round ${i + 1}`).join(' | ') + ' | median req/s | median p99 |');
  p('|---|---|' + '---|'.repeat(rounds) + '---|---|');
  for (const t of T.targets) {
    const s = T.samples[t.key];
    const label = t.key === 'page' ? `page \`${t.path}\`` : t.key === 'static' ? `static \`${t.path}\`` : `control \`${t.path}\` (same site, no pictures)`;
    p(`| ${label} | ${fmt(t.bytes)} | ${s.map((x) => `${x.rps.toFixed(0)}${x.non2xx ? ` (${x.non2xx} non-2xx)` : ''}`).join(' | ')} | **${T.med[t.key].toFixed(0)}** | ${median(s.map((x) => x.p99Ms)).toFixed(1)} ms |`);
  }
  p();
  p(`Page / static: **${T.ratio.toFixed(3)}**` + (T.med.control != null ? `; control / static: ${(T.med.control / T.med.static).toFixed(3)}` : '') +
    `. Bar ≥ ${BAR_RPS} req/s for the page: **${T.med.page >= BAR_RPS ? 'met' : 'missed'}** (${T.med.page.toFixed(0)} req/s, ` +
    `${((T.med.page * T.targets[0].bytes) / 1e6).toFixed(0)} MB/s of HTML).`);
  p();
}

console.log(md.join('\n'));
