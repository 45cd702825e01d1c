// Shared helpers for the headless Chromium tests.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const OUT_DIR = path.join(HERE, 'out');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

/** Headless Chromium with CHROMIUM_ARGS and any `extraArgs`. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * For WebRTC between pages of one machine with no network beyond it: host candidates are real
 * addresses rather than mDNS names (which need multicast resolution), and loopback is allowed.
 */
export const WEBRTC_LOOPBACK_ARGS = ['--disable-features=WebRtcHideLocalIpsWithMdns', '--allow-loopback-in-peer-connection'];

export async function ensureOutDir() {
  await mkdir(OUT_DIR, { recursive: true });
  return OUT_DIR;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Run a command to completion; reject with its stderr on a non-zero exit. */
export function run(cmd, args, { timeoutMs = 60_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out after ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${stderr.slice(-4000)}`));
    });
  });
}

/**
 * A 4 s, 320x240, 25 fps H.264/AAC mp4 (lavfi testsrc2 + sine), with a
 * keyframe every second.
 */
export async function makeTestClip(file) {
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=4',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4',
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-profile:v', 'main',
    '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    '-t', '4', '-shortest',
    '-movflags', '+faststart',
    file,
  ]);
  return file;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawn `bin serve` (its own process group, so stopping it stops its ffmpeg too) on `dataDir`
 * and a free loopback port, with `env` over the settings, and wait for its two start-up lines.
 * Resolves to { child, baseUrl, password, log }; stop it with stopRuche. `restart`: the data
 * directory was served before, so no administrator password is shown (password is then null).
 * If it does not start, it is killed.
 */
export async function startRuche(bin, dataDir, env = {}, timeoutMs = 30_000, { restart = false } = {}) {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const child = spawn(bin, ['serve'], {
    env: { ...process.env, RUCHE_DATA_DIR: dataDir, RUCHE_LISTEN: listen, RUCHE_PUBLIC_URL: `http://${listen}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
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
    let pending = '';
    let baseUrl = null;
    let password = null;
    const ready = () => baseUrl && (password || restart);
    const fail = (msg) => {
      clearTimeout(timer);
      killOnExit();
      reject(new Error(`${msg}\n--- server output ---\n${log.join('').slice(-8_000)}`));
    };
    const timer = setTimeout(() => fail(`ruche did not start within ${timeoutMs / 1000} s`), timeoutMs);
    child.on('error', (err) => fail(`cannot start ${bin}: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (!ready()) fail(`ruche exited (${code ?? signal}) before it was ready`);
    });
    child.stdout.on('data', (d) => {
      log.push(d);
      if (ready()) return;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        baseUrl ??= line.match(/running at (\S+)/)?.[1] ?? null;
        password ??= line.match(/login: root \/ (\S+)/)?.[1] ?? null;
      }
      if (ready()) {
        clearTimeout(timer);
        resolve({ child, baseUrl: baseUrl.replace(/\/+$/, ''), password, log });
      }
    });
  });
}

/** A response's JSON body; its status and start of body as the error when it is not 2xx. */
export async function json(res) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${res.url}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Logs `page` in as `username` through the login page, and waits for the page after it. */
export async function logIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#login-form input[name=username]', username);
  await page.fill('#login-form input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('#login-form button[type=submit]')]);
}

/**
 * The API of a startRuche server as its administrator, logged in by PeerTube's OAuth flow:
 * { auth (the headers), get(path) → JSON, upload(file, name, privacy = 1) → the upload's answer }.
 */
export async function rootApi(server) {
  return userApi(server, 'root', server.password);
}

/** The same as rootApi, as the user `username`. */
export async function userApi(server, username, password) {
  const base = server.baseUrl;
  const client = await json(await fetch(`${base}/api/v1/oauth-clients/local`));
  const token = await json(await fetch(`${base}/api/v1/users/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: client.client_id, client_secret: client.client_secret,
      grant_type: 'password', username, password,
    }),
  }));
  const auth = { authorization: `Bearer ${token.access_token}` };
  const get = async (p) => json(await fetch(base + p, { headers: auth }));
  const upload = async (file, name, privacy = 1) => {
    const me = await get('/api/v1/users/me');
    const form = new FormData();
    form.set('channelId', String(me.videoChannels[0].id));
    form.set('name', name);
    form.set('privacy', String(privacy));
    form.set('videofile', new Blob([await readFile(file)], { type: 'video/mp4' }), path.basename(file));
    return json(await fetch(`${base}/api/v1/videos/upload`, { method: 'POST', headers: auth, body: form }));
  };
  return { auth, get, upload };
}

/**
 * Uploads `file` through `api` (from `rootApi`) and waits until it is published with at least
 * one rendition: its VideoDetails.
 */
export async function uploadTranscoded(api, file, name, privacy = 1, timeoutMs = 150_000) {
  const up = await api.upload(file, name, privacy);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await api.get(`/api/v1/videos/${up.video.uuid}`);
    if (v.state?.id === 1 && (v.streamingPlaylists?.[0]?.files ?? []).length >= 1) return v;
    if (Date.now() > deadline) throw new Error(`not transcoded in time: ${JSON.stringify(v.state)}`);
    await sleep(250);
  }
}

/**
 * The end of a test file: the browser closed, the server stopped (its output printed when a test
 * failed), the temporary directory removed. Each may be missing (a `before` that failed early).
 */
export async function teardown({ browser, server, tmp }) {
  await browser?.close().catch(() => {});
  if (server) {
    await stopRuche(server.child);
    if (process.exitCode) process.stderr.write(`----- server output -----\n${server.log.join('').slice(-20_000)}\n`);
  }
  if (tmp) await rm(tmp, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
}

/** SIGTERM a startRuche server's process group; SIGKILL it if it is still there after 5 s. */
export async function stopRuche(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  const signal = (sig) => {
    try { process.kill(-child.pid, sig); } catch { try { child.kill(sig); } catch { /* gone */ } }
  };
  signal('SIGTERM');
  if (await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)])) {
    signal('SIGKILL');
    await Promise.race([exited, sleep(2_000)]);
  }
}
