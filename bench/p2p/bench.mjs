// P2P benchmark: N headless Chromium viewers, started a few seconds apart, watch one video on the
// watch page of a real `ruche serve` (release build, SQLite, 127.0.0.1) to its end; once with the
// player's P2P on (the default: p2p-media-loader, segments from peers checked against the origin's
// hashes) and once with it off (the viewer's "Share" box unticked, remembered in localStorage as
// `ruche-p2p=off`: the page then plays through plain hls.js and never loads p2p-media-loader,
// the same player path as an instance with `[p2p] enabled = false`).
//
// Each viewer presses play as a person does (Space on the focused player, once the page has
// loaded), and presses again if its player is still paused 5 s later (a press can be lost while
// hls.js attaches; counted, and startup still runs from the first press).
//
// Measured per viewer, in the page: startup (Space pressed on the player → first `playing`),
// stalls (each `waiting` after the first `playing` → the next `playing`, or the end), the
// player's own counters (bytes from peers, over HTTP, uploaded; peers), dropped frames. Measured
// from the server's side: every `-fragmented.mp4` response the viewers' pages received (their
// body sizes as Chromium's network stack counted them, per Playwright's `requestfinished`), split
// into media segments and init segments, and, as a cross-check, every byte the `ruche` process
// wrote (`wchar` of /proc/<pid>/io: sockets, logs and database together).
//
// Run through bench/p2p/run.sh; options below (`--help`).
import { readFileSync, writeFileSync } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  WEBRTC_LOOPBACK_ARGS,
  json,
  launchChromium,
  rootApi,
  run,
  sleep,
  startRuche,
  stopRuche,
} from '../../tests/browser/helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const HELP = `node bench/p2p/bench.mjs --bin PATH --out DIR [options]
  --viewers 2,4,6     viewer counts, one pair of runs (P2P on, off) each
  --stagger S         seconds between two viewers' starts (default 6)
  --duration S        clip length in seconds (default 90)
  --size WxH          clip picture size (default 640x360)
  --vbitrate R        clip video bitrate for libx264 (default 700k; maxrate 1.3x)
  --resolutions LIST  RUCHE_TRANSCODING_RESOLUTIONS (default 360: one rendition, the source's)
  --order on,off      which run of a pair goes first for the first N; the next N swaps (default on,off)
  --leave             a viewer closes its page when its video ends (default: stays until all end)
  --pause S           seconds of rest between two runs (default 5)`;

function parseArgs(argv) {
  const o = {
    bin: null, out: null, viewers: [2, 4, 6], stagger: 6, duration: 90, size: '640x360',
    vbitrate: '700k', resolutions: '360', order: ['on', 'off'], leave: false, pause: 5,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    switch (a) {
      case '--bin': o.bin = v(); break;
      case '--out': o.out = v(); break;
      case '--viewers': o.viewers = v().split(',').map(Number).filter((n) => n > 0); break;
      case '--stagger': o.stagger = Number(v()); break;
      case '--duration': o.duration = Number(v()); break;
      case '--size': o.size = v(); break;
      case '--vbitrate': o.vbitrate = v(); break;
      case '--resolutions': o.resolutions = v(); break;
      case '--order': o.order = v().split(','); break;
      case '--leave': o.leave = true; break;
      case '--pause': o.pause = Number(v()); break;
      case '-h': case '--help': console.log(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  if (!o.bin || !o.out) throw new Error(`--bin and --out are required\n${HELP}`);
  if (o.order.join(',') !== 'on,off' && o.order.join(',') !== 'off,on') throw new Error('--order is on,off or off,on');
  return o;
}

const SEGMENTS = /-fragmented\.mp4(\?|$)/;
const log = (...a) => console.error('[bench/p2p]', ...a);

// ----- machine and process figures ----------------------------------------------------------

/** utime+stime of a process (all its threads), in seconds; and bytes it wrote (wchar). */
function procFigures(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const wchar = Number(io.match(/^wchar: (\d+)/m)?.[1] ?? NaN);
    return { cpu: ticks / 100, wchar };
  } catch {
    return { cpu: NaN, wchar: NaN };
  }
}

/** The machine's busy and total CPU time (jiffies) so far, from /proc/stat. */
function machineCpu() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = f.map(Number);
  const idle = n[3] + (n[4] || 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle, total };
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// ----- the clip and the video on the server -------------------------------------------------

async function makeClip(file, { duration, size, vbitrate }) {
  const rate = parseInt(vbitrate, 10);
  const unit = vbitrate.replace(/^[\d.]+/, '');
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${duration}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${duration}`,
    // Noise so that the encoder spends the bitrate asked (testsrc2 alone compresses to little).
    '-vf', 'noise=alls=8:allf=t',
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-profile:v', 'main',
    '-b:v', vbitrate, '-maxrate', `${Math.round(rate * 1.3)}${unit}`, '-bufsize', `${rate * 2}${unit}`,
    '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '64k', '-ac', '2', '-t', String(duration), '-shortest', '-movflags', '+faststart',
    file,
  ], { timeoutMs: 600_000 });
  return file;
}

/** Logs in as root, uploads the clip, waits for it to be published with its HLS playlist. */
async function uploadVideo(server, clip, timeoutMs) {
  const root = await rootApi(server);
  const api = root.get;
  const up = await root.upload(clip, 'P2P benchmark clip');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await api(`/api/v1/videos/${up.video.uuid}`);
    const hls = v.streamingPlaylists?.[0];
    if (v.state?.id === 1 && hls?.files?.length && hls.segmentsSha256Url) {
      const table = await json(await fetch(hls.segmentsSha256Url));
      const files = Object.entries(table).map(([name, ranges]) => {
        const r = Object.keys(ranges).map((k) => k.split('-').map(Number)).sort((a, b) => a[0] - b[0]);
        return { name, segments: r.length, firstMediaByte: r[0][0], mediaBytes: r.reduce((s, [a, b]) => s + b - a + 1, 0) };
      });
      return {
        uuid: v.uuid, short: v.shortUUID, duration: v.duration,
        renditions: hls.files.map((f) => `${f.resolution?.label ?? f.resolution?.id}`),
        files,
      };
    }
    if (Date.now() > deadline) throw new Error(`not transcoded in time: ${JSON.stringify(v.state)}`);
    await sleep(500);
  }
}

// ----- one viewer ---------------------------------------------------------------------------

/**
 * In the page, before its scripts: the Share choice as the viewer left it, a muted player (no
 * audio device here), and the measures on the <video>'s events.
 */
function pageProbe({ share }) {
  try {
    if (share) localStorage.removeItem('ruche-p2p');
    else localStorage.setItem('ruche-p2p', 'off');
  } catch {}
  const b = (window.__bench = {
    pressed: null, presses: 0, firstPlaying: null, ended: null, waitingSince: null, stalls: [], freezes: [], maxPeers: 0,
    trace: [],
  });
  const now = () => performance.now();
  document.addEventListener('DOMContentLoaded', () => {
    const v = document.getElementById('player');
    if (!v) return;
    v.muted = true;
    // The player's first moments, for a viewer whose play does not start: media events with
    // the time and what watch.js had done by then.
    const trace = (what) => {
      if (b.trace.length < 40 && b.firstPlaying === null) {
        b.trace.push(`${Math.round(now())} ${what} paused=${v.paused} player=${v.dataset.player ?? '-'} src=${v.src ? v.src.slice(0, 5) : '-'}`);
      }
    };
    for (const ev of ['play', 'pause', 'playing', 'emptied', 'abort', 'loadstart', 'loadedmetadata', 'canplay', 'error']) {
      v.addEventListener(ev, () => trace(ev));
    }
    document.addEventListener('keydown', (e) => trace(`keydown ${e.code} on ${document.activeElement?.id || document.activeElement?.tagName}`), true);
    const closeStall = () => {
      if (b.waitingSince === null) return;
      b.stalls.push({ at: Math.round(v.currentTime * 10) / 10, ms: Math.round(now() - b.waitingSince) });
      b.waitingSince = null;
    };
    v.addEventListener('playing', () => {
      if (b.firstPlaying === null) b.firstPlaying = now();
      closeStall();
    });
    v.addEventListener('waiting', () => {
      if (b.firstPlaying !== null && b.waitingSince === null && !v.ended) b.waitingSince = now();
    });
    v.addEventListener('ended', () => {
      if (b.ended === null) b.ended = now();
      closeStall();
    });
    // A cross-check of the events: the playhead not moving while the video plays.
    let last = -1;
    let since = null;
    setInterval(() => {
      b.maxPeers = Math.max(b.maxPeers, Number(v.dataset.p2pPeers || 0));
      const moving = v.currentTime !== last;
      last = v.currentTime;
      if (b.firstPlaying === null || v.paused || v.ended || moving) {
        if (since !== null && now() - since >= 300) b.freezes.push(Math.round(now() - since));
        since = null;
        return;
      }
      since ??= now();
    }, 100);
  });
}

/** What the page knows at the end. */
function pageResult() {
  const b = window.__bench;
  const v = document.getElementById('player');
  const d = v.dataset;
  const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
  const t = performance.now();
  const stalls = [...b.stalls];
  if (b.waitingSince !== null) stalls.push({ at: v.currentTime, ms: Math.round(t - b.waitingSince), open: true });
  return {
    startupMs: b.pressed !== null && b.firstPlaying !== null ? Math.round(b.firstPlaying - b.pressed) : null,
    presses: b.presses,
    trace: b.trace,
    // Where the startup goes: the player's modules, playlists and first segment requests, in ms
    // from the first press (start → end of the response).
    timeline: performance.getEntriesByType('resource')
      .filter((e) => /hls\.min|p2p-media-loader|\.m3u8|fragmented|sha256|tracker/.test(e.name))
      .slice(0, 10)
      .map((e) => `${e.name.split('/').pop().slice(-40)} ${Math.round(e.startTime - b.pressed)}→${Math.round(e.responseEnd - b.pressed)}`),
    firstPlayingMs: b.firstPlaying !== null ? Math.round(b.firstPlaying - b.pressed) : null,
    playMs: b.firstPlaying !== null && b.ended !== null ? Math.round(b.ended - b.firstPlaying) : null,
    stalls,
    freezes: b.freezes,
    ended: v.ended,
    currentTime: v.currentTime,
    duration: v.duration,
    error: v.error?.code ?? null,
    player: d.player ?? null,
    levels: d.levels ?? null,
    p2p: d.p2p ?? null,
    p2pBytes: Number(d.p2pBytes || 0),
    httpBytes: Number(d.httpBytes || 0),
    uploaded: Number(d.p2pUploaded || 0),
    refused: Number(d.p2pRefused || 0),
    peersAtEnd: Number(d.p2pPeers || 0),
    maxPeers: b.maxPeers,
    frames: q?.totalVideoFrames ?? null,
    dropped: q?.droppedVideoFrames ?? null,
    visibility: document.visibilityState,
  };
}

async function openViewer(browser, { base, video, share, index, t0 }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const firstMedia = new Map(video.files.map((f) => [f.name, f.firstMediaByte]));
  const viewer = {
    index, context, startedAt: (Date.now() - t0) / 1000, errors: [], sockets: 0,
    server: { mediaBytes: 0, mediaRequests: 0, initBytes: 0, initRequests: 0, failed: 0, not206: 0 },
    pending: [],
  };
  await context.addInitScript(pageProbe, { share });
  context.on('requestfinished', (req) => {
    if (!SEGMENTS.test(req.url())) return;
    viewer.pending.push((async () => {
      const [sizes, headers, res] = await Promise.all([req.sizes(), req.allHeaders(), req.response()]);
      const name = new URL(req.url()).pathname.split('/').pop();
      const start = Number(/^bytes=(\d+)-/.exec(headers.range || '')?.[1] ?? 0);
      const media = firstMedia.has(name) && start >= firstMedia.get(name);
      const body = sizes.responseBodySize;
      if (res && res.status() !== 206) viewer.server.not206 += 1;
      if (media) {
        viewer.server.mediaBytes += body;
        viewer.server.mediaRequests += 1;
      } else {
        viewer.server.initBytes += body;
        viewer.server.initRequests += 1;
      }
    })().catch((e) => viewer.errors.push(`counting a response: ${e.message}`)));
  });
  context.on('requestfailed', (req) => {
    if (!SEGMENTS.test(req.url())) return;
    viewer.server.failed += 1; // aborted by the player: its bytes so far are not seen here
  });
  const page = await context.newPage();
  viewer.page = page;
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (e) => viewer.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' && !text.startsWith('Failed to load resource')) viewer.errors.push(`console.error: ${text.slice(0, 300)}`);
  });
  page.on('websocket', (ws) => {
    if (/\/tracker\/socket/.test(ws.url())) viewer.sockets += 1;
  });
  await page.goto(`${base}/w/${video.short}`, { waitUntil: 'load' });
  // A viewer who clicks play once the page is there: Space on the focused player, as
  // tests/browser/p2p.test.mjs presses it (focusing it is what loads hls.js at once).
  await page.evaluate(() => (window.__bench.pressed = performance.now()));
  await pressPlay(page);
  return viewer;
}

async function pressPlay(page) {
  await page.evaluate(() => (window.__bench.presses += 1));
  await page.locator('video#player').focus();
  await page.keyboard.press('Space');
}

/**
 * A viewer whose video has not started RETRY_S seconds after pressing play, and shows a paused
 * player, presses play again, as a person would (startup still counts from the first press).
 */
const RETRY_S = 5;
async function pressAgainIfIdle(viewer) {
  const s = await viewer.page.evaluate(() => {
    const b = window.__bench;
    const el = document.getElementById('player');
    return { idle: b.firstPlaying === null && el.paused && el.error === null, since: (performance.now() - b.pressed) / 1000, presses: b.presses };
  }).catch(() => null);
  if (s?.idle && s.since >= RETRY_S * s.presses && s.presses < 4) {
    log(`  viewer ${viewer.index}: not playing ${s.since.toFixed(1)} s after play was pressed, paused: pressing play again`);
    await pressPlay(viewer.page).catch(() => {});
  }
}

async function finishViewer(viewer) {
  if (viewer.result) return viewer.result;
  try {
    viewer.result = await viewer.page.evaluate(pageResult);
  } catch (e) {
    viewer.result = { error: `cannot read the page: ${e.message}` };
  }
  while (viewer.pending.length) await Promise.all(viewer.pending.splice(0));
  return viewer.result;
}

// ----- one run --------------------------------------------------------------------------------

async function oneRun(browser, server, video, { n, p2p, stagger, leave, timeoutMs }) {
  const base = server.baseUrl;
  const pid = server.child.pid;
  const before = { proc: procFigures(pid), cpu: machineCpu(), load: loadavg(), at: Date.now() };
  const t0 = Date.now();
  const viewers = [];
  const opening = [];
  for (let i = 0; i < n; i++) {
    opening.push(sleep(i * stagger * 1000).then(async () => {
      const v = await openViewer(browser, { base, video, share: p2p, index: i + 1, t0 });
      viewers[i] = v;
      log(`  viewer ${i + 1}/${n} pressed play at +${v.startedAt.toFixed(1)} s`);
    }));
  }
  const deadline = t0 + timeoutMs;
  let openErr = null;
  const allOpened = Promise.all(opening).catch((e) => (openErr = e));
  // Wait until every viewer has ended (or failed), the viewers still opening included.
  for (;;) {
    await sleep(1000);
    let done = 0;
    for (const v of viewers) {
      if (!v) continue;
      if (v.result) {
        done++;
        continue;
      }
      const s = await v.page.evaluate(() => {
        const el = document.getElementById('player');
        return { ended: el.ended, error: el.error?.code ?? null };
      }).catch(() => ({ ended: false, error: 'page gone' }));
      if (!s.ended && s.error === null) await pressAgainIfIdle(v);
      if (s.ended || s.error !== null) {
        await finishViewer(v);
        log(`  viewer ${v.index} ${s.ended ? 'ended' : `failed (${s.error})`} at +${((Date.now() - t0) / 1000).toFixed(1)} s`);
        if (leave) await v.context.close().catch(() => {});
        done++;
      }
    }
    if (openErr) throw openErr;
    if (done === n) break;
    if (Date.now() > deadline) {
      log(`  time is up: ${done} of ${n} viewers ended`);
      break;
    }
  }
  await allOpened;
  for (const v of viewers) if (v) await finishViewer(v);
  // Responses still being counted (sizes are asked of the browser after each one finishes).
  for (const v of viewers) {
    while (v && v.pending.length) await Promise.all(v.pending.splice(0));
  }
  const after = { proc: procFigures(pid), cpu: machineCpu(), load: loadavg(), at: Date.now() };
  await Promise.all(viewers.map((v) => v?.context.close().catch(() => {})));
  const busy = (after.cpu.total - before.cpu.total) - (after.cpu.idle - before.cpu.idle);
  return {
    n, p2p,
    seconds: (after.at - before.at) / 1000,
    loadBefore: before.load,
    loadAfter: after.load,
    machineBusy: busy / (after.cpu.total - before.cpu.total),
    serverCpu: after.proc.cpu - before.proc.cpu,
    serverWrote: after.proc.wchar - before.proc.wchar,
    viewers: viewers.map((v) => ({
      index: v.index, startedAt: v.startedAt, errors: v.errors, trackerSockets: v.sockets, server: v.server, ...v.result,
    })),
  };
}

// ----- summaries ------------------------------------------------------------------------------

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);

function summarize(r, video) {
  const mediaBytes = sum(video.files.map((f) => f.mediaBytes)); // one rendition: one file
  // What the viewers played: the whole video for those that reached its end, the part before
  // the playhead for the others.
  const fraction = (v) => (v.ended ? 1 : v.duration > 0 ? Math.min(1, v.currentTime / v.duration) : 0);
  const played = sum(r.viewers.map((v) => fraction(v) * mediaBytes));
  const p2pBytes = sum(r.viewers.map((v) => v.p2pBytes));
  const httpBytes = sum(r.viewers.map((v) => v.httpBytes));
  const serverMedia = sum(r.viewers.map((v) => v.server.mediaBytes));
  const stalls = r.viewers.flatMap((v) => v.stalls ?? []);
  const longest = r.viewers.map((v) => Math.max(0, ...(v.stalls ?? []).map((s) => s.ms)));
  const freezes = r.viewers.map((v) => Math.max(0, ...(v.freezes ?? [])));
  return {
    n: r.n, p2p: r.p2p,
    ended: r.viewers.filter((v) => v.ended).length,
    neverStarted: r.viewers.filter((v) => v.startupMs === null).length,
    pressedAgain: r.viewers.filter((v) => v.presses > 1).length,
    // Each viewer played the way the run says: through p2p-media-loader with a tracker socket,
    // or through plain hls.js without either.
    modeOk: r.viewers.every((v) => v.player === 'hls.js' && (r.p2p ? v.p2p === 'on' && v.trackerSockets > 0 : v.p2p === null && v.trackerSockets === 0)),
    errors: r.viewers.filter((v) => v.error !== null && v.error !== undefined).length,
    pageErrors: sum(r.viewers.map((v) => v.errors.length)),
    played, serverMedia,
    serverInit: sum(r.viewers.map((v) => v.server.initBytes)),
    failedRequests: sum(r.viewers.map((v) => v.server.failed)),
    mediaRequests: sum(r.viewers.map((v) => v.server.mediaRequests)),
    // The player's counters: of the segment bytes its loader got, the share that came from peers.
    playerShare: p2pBytes + httpBytes > 0 ? p2pBytes / (p2pBytes + httpBytes) : 0,
    // The server's side: of the media the viewers played, the share it did not have to send.
    serverShare: 1 - serverMedia / played,
    p2pBytes, httpBytes,
    uploaded: sum(r.viewers.map((v) => v.uploaded)),
    refused: sum(r.viewers.map((v) => v.refused)),
    longestStall: Math.max(0, ...longest),
    longestFreeze: Math.max(0, ...freezes),
    stallCount: stalls.length,
    stallTotal: sum(stalls.map((s) => s.ms)),
    openStalls: stalls.filter((s) => s.open).length,
    startupMedian: median(r.viewers.map((v) => v.startupMs)),
    startupMax: Math.max(...r.viewers.map((v) => v.startupMs ?? NaN)),
    dropped: sum(r.viewers.map((v) => v.dropped)),
    frames: sum(r.viewers.map((v) => v.frames)),
    serverCpu: r.serverCpu,
    serverWrote: r.serverWrote,
    machineBusy: r.machineBusy,
    load: `${r.loadBefore.split(' ')[0]} → ${r.loadAfter.split(' ')[0]}`,
    maxPeers: Math.max(0, ...r.viewers.map((v) => v.maxPeers ?? 0)),
  };
}

const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '–');
const mb = (x) => (Number.isFinite(x) ? `${(x / 1e6).toFixed(1)} MB` : '–');
const sec = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : (a === 0 && b === 0 ? 'both 0' : '–'));

function markdown(opts, video, runs, env) {
  const sums = runs.map((r) => summarize(r, video));
  const mediaBytes = sum(video.files.map((f) => f.mediaBytes));
  const segs = sum(video.files.map((f) => f.segments));
  const lines = [];
  lines.push(`### ${env.date} — ${env.machine}; ${env.build}; load ${env.loadStart} at start`);
  lines.push('');
  lines.push(`Clip: ${video.duration} s, ${opts.size}, libx264 ${opts.vbitrate} + AAC 64k, rendition(s) ${video.renditions.join(', ')}; `
    + `${segs} media segments, ${mb(mediaBytes)} of media per viewer; viewers start ${opts.stagger} s apart; `
    + `${opts.leave ? 'a viewer leaves when its video ends' : 'every viewer stays on its page until the last one ends'}; `
    + `runs of a pair in the order ${opts.order.join(', ')} for the first N, swapped for the next.`);
  lines.push('');
  lines.push('| viewers | P2P | segment bytes from peers (player counters) | **media bytes not sent by the server** | server media bytes (requests; aborted) | longest stall | stalls: count, total | startup median (max) | frames dropped | ruche CPU | machine busy | ended |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of sums) {
    lines.push(`| ${s.n} | ${s.p2p ? 'on' : 'off'} | ${s.p2p ? pct(s.playerShare) : '–'} | **${pct(s.serverShare)}** | ${mb(s.serverMedia)} of ${mb(s.played)} (${s.mediaRequests}; ${s.failedRequests}) `
      + `| ${sec(s.longestStall)} | ${s.stallCount}, ${sec(s.stallTotal)}${s.openStalls ? ` (${s.openStalls} unended)` : ''} | ${sec(s.startupMedian)} (${sec(s.startupMax)}) `
      + `| ${s.frames ? pct(s.dropped / s.frames) : '–'} | ${s.serverCpu.toFixed(1)} s | ${pct(s.machineBusy)} | ${s.ended}/${s.n}${s.neverStarted ? `, **${s.neverStarted} never started**` : ''}${s.pressedAgain ? `, ${s.pressedAgain} pressed play again` : ''}${s.errors ? `, ${s.errors} media errors` : ''}${s.pageErrors ? `, ${s.pageErrors} page errors` : ''}${s.modeOk ? '' : ', **player mode not as asked**'} |`);
  }
  lines.push('');
  lines.push('Against the run without P2P of the same N (same run of the bench):');
  lines.push('');
  lines.push('| viewers | server media bytes, P2P / no P2P | longest stall, P2P / no P2P | stall total, P2P / no P2P | startup median, P2P / no P2P | ≥ 60 % from peers | stall no longer than without P2P |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const n of opts.viewers) {
    const on = sums.find((s) => s.n === n && s.p2p);
    const off = sums.find((s) => s.n === n && !s.p2p);
    if (!on || !off) continue;
    lines.push(`| ${n} | ${ratio(on.serverMedia, off.serverMedia)} | ${sec(on.longestStall)} vs ${sec(off.longestStall)} | ${sec(on.stallTotal)} vs ${sec(off.stallTotal)} | ${ratio(on.startupMedian, off.startupMedian)} `
      + `| ${on.serverShare >= 0.6 ? 'yes' : 'no'} (${pct(on.serverShare)}) | ${on.ended < on.n ? `no: ${on.n - on.ended} viewer(s) did not play to the end` : on.longestStall <= off.longestStall ? 'yes' : 'no'} |`);
  }
  lines.push('');
  lines.push('Per viewer, runs with P2P (start: seconds after the first viewer; from peers: share of the player\'s segment bytes; server: media bytes of its `-fragmented.mp4` responses):');
  lines.push('');
  lines.push('| viewers | viewer | start | from peers | server | uploaded to peers | peers (max) | startup | longest stall | stalls | play pressed |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs.filter((x) => x.p2p)) {
    for (const v of r.viewers) {
      const share = v.p2pBytes + v.httpBytes > 0 ? v.p2pBytes / (v.p2pBytes + v.httpBytes) : NaN;
      lines.push(`| ${r.n} | ${v.index} | +${v.startedAt.toFixed(0)} s | ${pct(share)} | ${mb(v.server.mediaBytes)} | ${mb(v.uploaded)} | ${v.maxPeers ?? '–'} | ${sec(v.startupMs)} `
        + `| ${sec(Math.max(0, ...(v.stalls ?? []).map((s) => s.ms)))} | ${(v.stalls ?? []).length} | ${v.presses ?? '–'}${v.ended ? '' : ', **did not end**'} |`);
    }
  }
  lines.push('');
  lines.push('Cross-checks: everything `ruche` wrote during each run (`wchar`: responses of every kind, tracker messages, logs, database), and the init segments:');
  lines.push('');
  lines.push('| viewers | P2P | ruche wrote | of which media segments (Playwright) | init segments | segments from peers refused | tracker peers seen (max) | load avg (1 min) |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const s of sums) {
    lines.push(`| ${s.n} | ${s.p2p ? 'on' : 'off'} | ${mb(s.serverWrote)} | ${mb(s.serverMedia)} | ${(s.serverInit / 1e3).toFixed(1)} kB | ${s.refused} | ${s.p2p ? s.maxPeers : '–'} | ${s.load} |`);
  }
  return { text: lines.join('\n'), sums };
}

// ----- main -------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  await access(opts.bin, fsConstants.X_OK);
  await mkdir(opts.out, { recursive: true });
  const clip = path.join(HERE, '.cache', `clip-${opts.duration}s-${opts.size}-${opts.vbitrate}.mp4`);
  await mkdir(path.dirname(clip), { recursive: true });
  try {
    await access(clip);
  } catch {
    log(`making the clip ${path.basename(clip)}`);
    await makeClip(clip, opts);
  }
  const data = path.join(opts.out, 'data');
  await rm(data, { recursive: true, force: true });
  await mkdir(data);
  const env = {
    date: process.env.BENCH_DATE || new Date().toISOString().slice(0, 16).replace('T', ' '),
    machine: process.env.BENCH_MACHINE || `${os.cpus().length} vCPU`,
    build: process.env.BENCH_BUILD || path.basename(opts.bin),
    loadStart: loadavg(),
  };
  // Every viewer here comes from 127.0.0.1, so they share one address's announce budget (300 per
  // 5 min by default), which real viewers each have to themselves: raised so that no viewer's
  // tracker socket is cut for what its neighbours sent. Nothing else differs from the defaults.
  const server = await startRuche(opts.bin, data, {
    RUCHE_TRANSCODING_RESOLUTIONS: opts.resolutions,
    RUCHE_P2P_ANNOUNCES_MAX: '100000',
    RUCHE_LOG: process.env.RUCHE_LOG || 'warn',
  }, 60_000);
  let browser;
  const runs = [];
  try {
    log(`ruche serve (pid ${server.child.pid}) at ${server.baseUrl}; uploading`);
    const video = await uploadVideo(server, clip, 600_000);
    log(`video ${video.short}: ${video.duration} s, renditions ${video.renditions.join(', ')}, ${video.files.map((f) => `${f.name}: ${f.segments} segments, ${f.mediaBytes} media bytes`).join('; ')}`);
    if (video.files.length !== 1) log('WARNING: more than one rendition: viewers may play different ones (one swarm each)');
    browser = await launchChromium(WEBRTC_LOOPBACK_ARGS);
    for (const [k, n] of opts.viewers.entries()) {
      const order = k % 2 === 0 ? opts.order : [...opts.order].reverse();
      for (const mode of order) {
        const p2p = mode === 'on';
        log(`N=${n}, P2P ${mode}, load ${loadavg()}`);
        const timeoutMs = ((n - 1) * opts.stagger + opts.duration * 2 + 90) * 1000;
        const r = await oneRun(browser, server, video, { n, p2p, stagger: opts.stagger, leave: opts.leave, timeoutMs });
        runs.push(r);
        writeFileSync(path.join(opts.out, `run-${n}-${mode}.json`), JSON.stringify(r, null, 2));
        const s = summarize(r, video);
        log(`  → from peers ${pct(s.serverShare)} (player ${pct(s.playerShare)}), longest stall ${sec(s.longestStall)}, startup ${sec(s.startupMedian)}, ${s.ended}/${n} ended`);
        await sleep(opts.pause * 1000);
      }
    }
    const { text, sums } = markdown(opts, video, runs, env);
    writeFileSync(path.join(opts.out, 'summary.json'), JSON.stringify({ opts, video, env, sums }, null, 2));
    writeFileSync(path.join(opts.out, 'last-run.md'), `${text}\n`);
    console.log(text);
  } finally {
    await browser?.close().catch(() => {});
    await stopRuche(server.child);
    writeFileSync(path.join(opts.out, 'ruche.log'), server.log.join(''));
    await rm(data, { recursive: true, force: true }).catch(() => {});
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
