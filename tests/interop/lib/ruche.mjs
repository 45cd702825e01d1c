// What the interop tests against a real `ruche serve` share: a free loopback port, a short clip
// made with ffmpeg, the server started on a fresh data dir (its URL and root's password read
// from its stdout) and stopped with its whole process group, PeerTube's REST API with root's
// token, an upload, and bounded waits for a condition (never a fixed sleep).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `$RUCHE_BIN`, absolute; throws a message saying how to set it when it is missing. */
export function rucheBin() {
  const bin = process.env.RUCHE_BIN;
  if (!bin) {
    throw new Error(
      'RUCHE_BIN is not set. Build the server (cargo build -p ruche) and run:\n' +
        '  RUCHE_BIN=target/debug/ruche node --test tests/interop/',
    );
  }
  return path.resolve(bin);
}

/** A TCP port free on 127.0.0.1 right now. */
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

/**
 * Runs a command to completion and resolves with { code, signal, stdout, stderr, timedOut };
 * never rejects on a non-zero exit (the caller asserts on it). It runs in its own process group,
 * killed whole when `timeoutMs` passes.
 */
export function runCommand(cmd, args, { env, cwd, timeoutMs = 60_000, encoding = 'utf8' } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out = [];
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const buf = Buffer.concat(out);
      resolve({ code, signal, stdout: encoding ? buf.toString(encoding) : buf, stderr, timedOut });
    });
  });
}

/** A 4 s, 640x360, 25 fps H.264/AAC mp4 (lavfi testsrc2 + sine). */
export async function makeClip(file) {
  const r = await runCommand('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=4',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4',
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    '-t', '4', '-shortest', '-movflags', '+faststart',
    file,
  ]);
  if (r.code !== 0) throw new Error(`ffmpeg failed (${r.code ?? r.signal}):\n${r.stderr}`);
  return file;
}

/**
 * Starts `bin serve` on `dataDir` (fresh: SQLite) and a free port of 127.0.0.1, and resolves,
 * once it prints its URL and root's password, with
 * { child, url, host, port, password, stdout, stderr, exited }. `env` adds to or overrides the
 * defaults (two renditions, 360p and 240p). The server runs in its own process group, so
 * `stopProcess` kills it and anything it started. `onSpawn(server)`, when given, is called as
 * soon as it is spawned (before it is up), so a caller can stop one still starting.
 */
export async function startRuche(bin, dataDir, { env: extra = {}, timeoutMs = 30_000, onSpawn } = {}) {
  const port = await freePort();
  const env = {
    ...process.env,
    RUCHE_DATA_DIR: dataDir,
    RUCHE_LISTEN: `127.0.0.1:${port}`,
    RUCHE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    RUCHE_TRANSCODING_RESOLUTIONS: '360,240',
    // The log goes to a file and to the test's output, where colour codes are only noise.
    NO_COLOR: '1',
    ...extra,
  };
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const s = { child, url: null, host: `127.0.0.1:${port}`, port, password: null, stdout: '', stderr: '', exited: null };
  child.stdout.on('data', (d) => (s.stdout += d));
  child.stderr.on('data', (d) => (s.stderr += d));
  child.on('exit', (code, signal) => (s.exited = code ?? signal));
  onSpawn?.(s);
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Ruche did not start within ${timeoutMs / 1000} s.\nstdout:\n${s.stdout}\nstderr:\n${s.stderr.slice(-4000)}`)),
        timeoutMs,
      );
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${bin}: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Ruche exited during startup (${code ?? signal}).\nstdout:\n${s.stdout}\nstderr:\n${s.stderr.slice(-4000)}`));
      });
      const check = () => {
        const url = s.stdout.match(/running at (\S+)/);
        const pw = s.stdout.match(/login: root \/ (\S+)/);
        if (url && pw) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          s.url = url[1].replace(/\/+$/, '');
          s.password = pw[1];
          resolve();
        }
      };
      child.stdout.on('data', check);
    });
  } catch (err) {
    await stopProcess(s);
    throw err;
  }
  return s;
}

/** SIGTERM to the process group of `p` (a server of `startRuche`), SIGKILL after 5 s. */
export async function stopProcess(p) {
  // A child that could not be spawned has no pid and will never emit 'exit'.
  if (!p || p.exited !== null || p.child.pid == null) return;
  const gone = new Promise((r) => p.child.once('exit', r));
  const kill = (sig) => {
    try {
      process.kill(-p.child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  kill('SIGTERM');
  const t = setTimeout(() => kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(t);
}

/**
 * One HTTP request, bounded in time; resolves with { status, headers, text, json, bytes } and
 * never throws on a status (the caller asserts on it). `json`, when given, is the body, sent
 * as application/json.
 */
export async function request(url, { method = 'GET', headers = {}, body, json, timeoutMs = 30_000 } = {}) {
  if (json !== undefined) {
    headers = { ...headers, 'Content-Type': 'application/json' };
    body = JSON.stringify(json);
  }
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: parsed, bytes };
}

/** PeerTube's REST API of `server`, with root's bearer `token` when given. */
export function api(server, pathname, { token, headers = {}, ...opts } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  return request(server.url + pathname, { ...opts, headers: h });
}

/** Logs in as root with PeerTube's OAuth password grant, with plain fetch as its clients do. */
export async function getToken(server) {
  const client = await api(server, '/api/v1/oauth-clients/local');
  assert.equal(client.status, 200, `GET /api/v1/oauth-clients/local: ${client.text}`);
  const tok = await api(server, '/api/v1/users/token', {
    method: 'POST',
    body: new URLSearchParams({
      client_id: client.json.client_id,
      client_secret: client.json.client_secret,
      grant_type: 'password',
      response_type: 'code',
      username: 'root',
      password: server.password,
    }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(tok.status, 200, `POST /api/v1/users/token: ${tok.text}`);
  assert.ok(tok.json.access_token, `no access_token in ${tok.text}`);
  return tok.json.access_token;
}

/**
 * Polls `probe` every `pollMs` until it returns a truthy value (which it resolves with), for at
 * most `timeoutMs`. On timeout the error says what was awaited and what `describe()` says of
 * the last state; a process of `servers` exiting ends the wait at once (named by its `label`,
 * Ruche when it has none).
 */
export async function waitFor(what, probe, { describe, timeoutMs = 60_000, pollMs = 250, servers = [] } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    for (const s of servers) {
      if (s.exited !== null) throw new Error(`${s.label ?? 'Ruche'} exited (${s.exited}) while waiting for ${what}`);
    }
    if (Date.now() >= deadline) {
      const state = describe ? await Promise.resolve().then(describe).catch((e) => `(could not describe: ${e})`) : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${state}`);
    }
    await sleep(pollMs);
  }
}

/**
 * Uploads `file` as root with the legacy multipart upload (fields as PeerTube's CLI sends
 * them) to channel 1, public; resolves with { id, uuid }.
 */
export async function uploadClip(server, token, file, name) {
  const form = new FormData();
  form.append('name', name);
  form.append('channelId', '1');
  form.append('privacy', '1');
  form.append('videofile', new Blob([await readFile(file)], { type: 'video/mp4' }), path.basename(file));
  const up = await api(server, '/api/v1/videos/upload', { method: 'POST', body: form, token, timeoutMs: 120_000 });
  assert.equal(up.status, 200, `POST /api/v1/videos/upload: ${up.text}`);
  const { id, uuid } = up.json?.video ?? {};
  assert.ok(id && uuid, `no video id/uuid in ${up.text}`);
  return { id, uuid };
}

/**
 * Waits until video `idOrUuid` is published (state 1) with `minFiles` files in its HLS
 * playlist, each with its torrent; resolves with the `VideoDetails`. Transcoding failing
 * (state 7) fails at once.
 */
export async function waitPublished(server, token, idOrUuid, { minFiles = 1, timeoutMs = 120_000 } = {}) {
  let last;
  return waitFor(
    `GET /api/v1/videos/${idOrUuid} to say state 1 (published) with ${minFiles} HLS file(s)`,
    async () => {
      last = await api(server, `/api/v1/videos/${idOrUuid}`, { token });
      assert.notEqual(last.json?.state?.id, 7, `transcoding failed: ${last.text}`);
      const files = last.json?.streamingPlaylists?.[0]?.files ?? [];
      const ready = last.status === 200 && last.json?.state?.id === 1 && files.length >= minFiles &&
        files.every((f) => f.torrentUrl);
      return ready ? last.json : null;
    },
    { describe: () => `last: ${last?.status} ${last?.text.slice(0, 1500)}`, timeoutMs, pollMs: 500, servers: [server] },
  );
}

/**
 * A `tracked(fn)` wrapper for test bodies and a `failed()` getter: a test that throws marks the
 * run as failed, so `after` can print the server's log.
 */
export function failureTracker() {
  let failed = false;
  return {
    tracked: (fn) => async (t) => {
      try {
        await fn(t);
      } catch (err) {
        failed = true;
        throw err;
      }
    },
    failed: () => failed,
  };
}
