// PeerTube's own command-line client, @peertube/peertube-cli, run unchanged against Ruche:
// it logs in with PeerTube's OAuth flow, uploads a clip, and the clip gets published.
//
//   RUCHE_BIN=target/debug/ruche node --test tests/interop/
//
// See README.md for the requests the CLI makes.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ruche from './lib/ruche.mjs';
import { failureTracker, makeClip, runCommand, rucheBin, startRuche, stopProcess, waitFor } from './lib/ruche.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(HERE, 'out');
const CLI = path.join(HERE, 'node_modules', '.bin', 'peertube-cli');
const VIDEO_NAME = 'Uploaded by peertube-cli';
const DESCRIPTION = 'A 4 s test clip, sent by PeerTube\'s own CLI.';
const TAGS = ['interop', 'peertube-cli'];
const PUBLISH_TIMEOUT_MS = 120_000;
// The CLI polls GET /api/v1/videos/<uuid> every 50 ms after the upload and has no timeout of
// its own, so a server that never satisfies it would hang it forever.
const CLI_TIMEOUT_MS = 90_000;

let tmp; // everything this file writes outside out/
let server; // { child, url, password, stdout, stderr, exited } (lib/ruche.mjs startRuche)
let clip;
let cliUpload; // result of the CLI upload run
// `tracked` marks the run as failed (so `after` prints the server's stderr) and rethrows.
const { tracked, failed } = failureTracker();

/** Runs the real peertube-cli with a throwaway HOME, so it never reads or writes the user's config. */
function runCli(args, timeoutMs = CLI_TIMEOUT_MS) {
  const home = path.join(tmp, 'home');
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
  // The CLI switches to its test-suite paths when NODE_ENV=test.
  delete env.NODE_ENV;
  delete env.NODE_APP_INSTANCE;
  return runCommand(CLI, args, { env, cwd: tmp, timeoutMs });
}

function describeRun(r) {
  const how = r.timedOut ? `did not exit within ${CLI_TIMEOUT_MS / 1000} s (killed)` : `exited with ${r.code ?? r.signal}`;
  return `peertube-cli ${how}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/** PeerTube's REST API of the server under test (lib/ruche.mjs). */
const api = (pathname, opts) => ruche.api(server, pathname, opts);

/** Logs in with plain fetch, the way PeerTube's clients do. */
const getToken = () => ruche.getToken(server);

before(async () => {
  const bin = rucheBin();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-interop-'));
  await mkdir(path.join(tmp, 'home', '.config'), { recursive: true });
  await mkdir(OUT_DIR, { recursive: true });
  clip = await makeClip(path.join(tmp, 'clip.mp4'));
  server = await startRuche(bin, path.join(tmp, 'data'));
});

after(async () => {
  await stopProcess(server);
  if (server) await writeFile(path.join(OUT_DIR, 'server.log'), server.stdout + server.stderr).catch(() => {});
  if (failed() && server) {
    console.error(`--- Ruche stderr (last 8000 chars; full log in ${path.join(OUT_DIR, 'server.log')}) ---`);
    console.error(server.stderr.slice(-8000));
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the CLI is the pinned @peertube/peertube-cli', tracked(async () => {
  const r = await runCli(['--version'], 30_000);
  assert.equal(r.code, 0, describeRun(r));
  assert.equal(r.stdout.trim(), '1.0.3');
}));

test('peertube-cli get-access-token prints a token that works on /api/v1/users/me', tracked(async () => {
  const r = await runCli(['get-access-token', '--url', server.url, '--username', 'root', '--password', server.password]);
  assert.equal(r.code, 0, describeRun(r));
  const token = r.stdout.trim();
  assert.match(token, /^\S+$/, `expected a single token on stdout\n${describeRun(r)}`);
  assert.notEqual(token, 'undefined', `the CLI printed no token\n${describeRun(r)}`);
  const me = await api('/api/v1/users/me', { token });
  assert.equal(me.status, 200, `GET /api/v1/users/me with the CLI's token: ${me.text}`);
  assert.equal(me.json.username, 'root');
}));

// After its upload the CLI polls the video until `files[0].torrentUrl` is set (PeerTube lists
// the uploaded file, with its torrent, until transcoding replaces it): Ruche lists the upload
// to its owner with the torrent made at upload, so the CLI ends at once.
test('peertube-cli upload logs in, uploads the clip and exits 0', {
  timeout: CLI_TIMEOUT_MS + 30_000,
}, tracked(async () => {
  cliUpload = await runCli([
    'upload',
    '--url', server.url,
    '--username', 'root',
    '--password', server.password,
    '--file', clip,
    '--video-name', VIDEO_NAME,
    '--channel-name', 'root_channel',
    '--video-description', DESCRIPTION,
    '--tags', TAGS.join(','),
    '--category', '15',
    '--licence', '1',
    '--language', 'en',
  ]);
  await writeFile(path.join(OUT_DIR, 'cli-upload.log'), describeRun(cliUpload)).catch(() => {});
  assert.ok(cliUpload.stdout.includes(`Uploading ${VIDEO_NAME} video...`), describeRun(cliUpload));
  assert.equal(cliUpload.code, 0, describeRun(cliUpload));
  assert.ok(cliUpload.stdout.includes(`Video ${VIDEO_NAME} uploaded.`), describeRun(cliUpload));
}));

// Checked even when the CLI itself failed after sending the file: that tells a broken upload
// apart from a broken post-upload check.
test('the uploaded video is published with an HLS playlist', { timeout: PUBLISH_TIMEOUT_MS + 30_000 }, tracked(async (t) => {
  if (!cliUpload || !cliUpload.stdout.includes('Uploading')) {
    t.skip('the CLI never started its upload');
    return;
  }
  const token = await getToken();
  let uuid;
  let last = '';
  const video = await waitFor(`"${VIDEO_NAME}" to be published with an HLS playlist`, async () => {
    if (!uuid) {
      const list = await api('/api/v1/videos?count=10', { token });
      assert.equal(list.status, 200, `GET /api/v1/videos?count=10: ${list.text}`);
      uuid = list.json.data.find((v) => v.name === VIDEO_NAME)?.uuid;
      last = `GET /api/v1/videos?count=10 → ${list.text.slice(0, 500)}`;
      if (!uuid) {
        // Not public yet; the owner's own list shows it at every state.
        const mine = await api('/api/v1/users/me/videos?count=10', { token });
        if (mine.status === 200) uuid = mine.json.data?.find((v) => v.name === VIDEO_NAME)?.uuid;
      }
    }
    if (!uuid) return null;
    const d = await api(`/api/v1/videos/${uuid}`, { token });
    assert.equal(d.status, 200, `GET /api/v1/videos/${uuid}: ${d.text}`);
    last = `GET /api/v1/videos/${uuid} → state ${JSON.stringify(d.json.state)}, ` +
      `streamingPlaylists ${JSON.stringify(d.json.streamingPlaylists).slice(0, 300)}`;
    return d.json.state?.id === 1 && d.json.streamingPlaylists?.[0]?.files?.length > 0 ? d.json : null;
  }, { describe: () => `last: ${last}`, timeoutMs: PUBLISH_TIMEOUT_MS, pollMs: 1000, servers: [server] });

  // The public list shows it now.
  const list = await api('/api/v1/videos?count=10');
  assert.ok(list.json.data.some((v) => v.uuid === uuid), `published video missing from GET /api/v1/videos: ${list.text.slice(0, 500)}`);

  assert.equal(video.name, VIDEO_NAME);
  assert.equal(video.channel.name, 'root_channel');
  assert.equal(video.privacy.id, 1, 'the CLI asks for privacy 1 (public)');

  const playlistUrl = video.streamingPlaylists[0].playlistUrl;
  assert.ok(playlistUrl, 'streamingPlaylists[0].playlistUrl is missing');
  const m3u8 = await fetch(playlistUrl);
  const text = await m3u8.text();
  assert.equal(m3u8.status, 200, `GET ${playlistUrl}`);
  assert.ok(text.startsWith('#EXTM3U'), `GET ${playlistUrl} is not an HLS playlist:\n${text.slice(0, 300)}`);
}));

test('the metadata given to peertube-cli upload is stored', tracked(async (t) => {
  if (!cliUpload || !cliUpload.stdout.includes('Uploading')) {
    t.skip('the CLI never started its upload');
    return;
  }
  const token = await getToken();
  const list = await api('/api/v1/users/me/videos?count=10', { token });
  const uuid = list.json?.data?.find((v) => v.name === VIDEO_NAME)?.uuid;
  assert.ok(uuid, `"${VIDEO_NAME}" not in GET /api/v1/users/me/videos: ${list.text.slice(0, 500)}`);
  const d = await api(`/api/v1/videos/${uuid}`, { token });
  assert.equal(d.status, 200, d.text);
  const v = d.json;
  assert.equal(v.description, DESCRIPTION, 'description');
  assert.equal(v.category.id, 15, 'category');
  assert.equal(v.licence.id, 1, 'licence');
  assert.equal(v.language.id, 'en', 'language');
  // server-commands sends an array field as tags[0], tags[1], ... (multipart, qs style).
  assert.deepEqual([...v.tags].sort(), [...TAGS].sort(), 'tags (sent as multipart fields tags[0], tags[1])');
  assert.equal(v.nsfw, false, 'nsfw');
  assert.equal(v.downloadEnabled, true, 'downloadEnabled');
  assert.equal(v.waitTranscoding, true, 'waitTranscoding');
}));
