// A real `ruche serve` for the conformance test, started as tests/interop/lib/ruche.mjs and
// tests/browser/helpers.mjs do (copied here, not shared): a fresh data directory, a free port of
// 127.0.0.1, the URL and root's password read from its stdout, its own process group so that
// stopping it stops its ffmpeg too. Plus PeerTube's OAuth login, a short clip made with ffmpeg,
// and bounded polling (never a fixed sleep).
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `$RUCHE_BIN`, absolute; throws a message saying how to set it when it is missing. */
export function rucheBin() {
  const bin = process.env.RUCHE_BIN;
  if (!bin) {
    throw new Error(
      'RUCHE_BIN is not set. Build the server (cargo build -p ruche) and run:\n' +
        '  cd tests/conformance && npm ci && RUCHE_BIN=/path/to/target/debug/ruche node --test',
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

/** Runs a command to completion; rejects with its stderr on a non-zero exit or after `timeoutMs`. */
export function run(cmd, args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not finish within ${timeoutMs / 1000} s\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}\n${stderr.slice(-4000)}`));
    });
  });
}

/** A 2 s, 320x240, 25 fps H.264/AAC mp4 (lavfi testsrc + sine). */
export async function makeClip(file) {
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '2',
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    '-movflags', '+faststart',
    file,
  ]);
  return file;
}

/**
 * Starts `bin serve` on `dataDir` and resolves, once it has printed its URL and root's password,
 * with { child, baseUrl, password, log() }. Killed if it does not start within `timeoutMs`.
 */
export async function startRuche(bin, dataDir, { env: extra = {}, timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      RUCHE_DATA_DIR: dataDir,
      RUCHE_LISTEN: listen,
      RUCHE_PUBLIC_URL: `http://${listen}`,
      RUCHE_TRANSCODING_RESOLUTIONS: '240',
      NO_COLOR: '1',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const out = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => out.push(d));
  const killOnExit = () => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const server = { child, baseUrl: null, password: null, log: () => out.join('') };
  await new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (msg) => {
      clearTimeout(timer);
      killOnExit();
      reject(new Error(`${msg}\n--- server output ---\n${server.log().slice(-8000)}`));
    };
    const timer = setTimeout(() => fail(`ruche did not start within ${timeoutMs / 1000} s`), timeoutMs);
    child.on('error', (err) => fail(`cannot start ${bin}: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (!server.password) fail(`ruche exited (${code ?? signal}) before it was ready`);
    });
    const onData = (d) => {
      stdout += d;
      server.baseUrl ??= stdout.match(/running at (\S+)/)?.[1]?.replace(/\/+$/, '') ?? null;
      if (server.baseUrl) server.password ??= stdout.match(/login: root \/ (\S+)/)?.[1] ?? null;
      if (server.baseUrl && server.password) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
  });
  return server;
}

/** SIGTERM to the server's process group; SIGKILL if it is still there after 5 s. */
export async function stopRuche(server) {
  const child = server?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
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

/**
 * Calls `fn` until it returns a truthy value, `intervalMs` apart, and returns that value; throws
 * `describe()`'s message when `timeoutMs` has passed first.
 */
export async function waitFor(fn, { timeoutMs = 120_000, intervalMs = 250, describe = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs / 1000} s: ${await describe()}`);
    await sleep(intervalMs);
  }
}
