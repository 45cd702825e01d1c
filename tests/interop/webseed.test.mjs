// A rendition's fragmented MP4 downloaded from a real `ruche serve` by libtorrent (Debian's
// python3-libtorrent, `lib/webseed_download.py`) through its `.torrent`'s web seed only (BEP 19
// `url-list`; no tracker, DHT or peer), then checked piece by piece by libtorrent and byte for
// byte against `fileUrl`:
//
//   RUCHE_BIN=target/debug/ruche node --test tests/interop/webseed.test.mjs
//
// See README.md.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decode, spanOf, text } from './lib/bencode.mjs';
import {
  failureTracker, getToken, makeClip, request, rucheBin, runCommand, startRuche, stopProcess, uploadClip,
  waitPublished,
} from './lib/ruche.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(HERE, 'out');
const DOWNLOADER = path.join(HERE, 'lib', 'webseed_download.py');
// Debian's python3-libtorrent is importable by Debian's own Python only (not by a pyenv or
// venv Python that may come first in PATH).
const PYTHON = '/usr/bin/python3';
const VIDEO_NAME = 'Seeded over HTTP';
const DOWNLOAD_TIMEOUT_S = 60;

let tmp;
let server;
const { tracked, failed } = failureTracker();
let files; // streamingPlaylists[0].files of the published video

before(async () => {
  const bin = rucheBin();
  const probe = await runCommand(PYTHON, ['-c', 'import libtorrent; print(libtorrent.__version__)']);
  if (probe.code !== 0) {
    throw new Error(
      `${PYTHON} cannot import libtorrent (${probe.stderr.trim().split('\n').pop()}). Install it with:\n` +
        '  apt-get install -y python3-libtorrent   (or scripts/deps.sh test)',
    );
  }
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-webseed-'));
  await mkdir(OUT_DIR, { recursive: true });
  const clip = await makeClip(path.join(tmp, 'clip.mp4'));
  server = await startRuche(bin, path.join(tmp, 'data'), { env: { RUCHE_TRANSCODING_THREADS: '1' } });
  const token = await getToken(server);
  const { uuid } = await uploadClip(server, token, clip, VIDEO_NAME);
  files = (await waitPublished(server, token, uuid, { minFiles: 2 })).streamingPlaylists[0].files;
}, { timeout: 240_000 });

after(async () => {
  await stopProcess(server);
  if (server) await writeFile(path.join(OUT_DIR, 'webseed-ruche.log'), server.stdout + server.stderr).catch(() => {});
  if (failed() && server) {
    console.error(`--- Ruche stderr (last 8000 chars; full log in ${path.join(OUT_DIR, 'webseed-ruche.log')}) ---`);
    console.error(server.stderr.slice(-8000));
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('every HLS rendition has a torrent, a magnet and a file URL', tracked(async () => {
  assert.equal(files.length, 2, `files: ${JSON.stringify(files)}`);
  for (const f of files) {
    for (const k of ['torrentUrl', 'torrentDownloadUrl', 'magnetUri', 'fileUrl']) {
      assert.ok(f[k], `${f.resolution?.label}: no ${k} in ${JSON.stringify(f)}`);
    }
  }
}));

for (const index of [0, 1]) {
  test(`rendition ${index}: libtorrent downloads it through the torrent's web seed alone, every piece checks, the bytes are fileUrl's`, {
    timeout: (DOWNLOAD_TIMEOUT_S + 60) * 1000,
  }, tracked(async (t) => {
    const f = files[index];
    const label = f.resolution.label;

    const tr = await request(f.torrentUrl);
    assert.equal(tr.status, 200, `GET ${f.torrentUrl}: ${tr.status}`);
    assert.equal(tr.headers.get('content-type'), 'application/x-bittorrent', `GET ${f.torrentUrl}: Content-Type`);
    const torrent = decode(tr.bytes);
    const info = torrent.info;
    const [start, end] = spanOf(torrent, 'info');
    const infoHash = createHash('sha1').update(tr.bytes.subarray(start, end)).digest('hex');

    // The magnet names this torrent.
    const magnet = new URL(f.magnetUri);
    assert.equal(magnet.protocol, 'magnet:');
    assert.equal(magnet.searchParams.get('xt'), `urn:btih:${infoHash}`, `${label}: magnetUri's xt is not the SHA-1 of the torrent's info`);
    assert.equal(magnet.searchParams.get('xs'), f.torrentUrl, `${label}: magnetUri's xs is the torrent`);
    assert.ok(magnet.searchParams.getAll('ws').includes(f.fileUrl), `${label}: magnetUri's ws lists fileUrl: ${f.magnetUri}`);

    // A single-file torrent of the fragmented MP4, seeded over HTTP by fileUrl (BEP 19).
    const urlList = [torrent['url-list']].flat().filter(Boolean).map(text);
    assert.deepEqual(urlList, [f.fileUrl], `${label}: the torrent's url-list`);
    assert.equal(info.files, undefined, 'a single-file torrent');
    assert.equal(info.length, f.size, `${label}: info.length is the file's size`);
    const pieceLength = info['piece length'];
    const pieces = info.pieces;
    assert.equal(pieces.length % 20, 0);
    assert.equal(pieces.length / 20, Math.ceil(info.length / pieceLength), `${label}: one SHA-1 per piece`);

    const expected = await request(f.fileUrl, { timeoutMs: 60_000 });
    assert.equal(expected.status, 200, `GET ${f.fileUrl}: ${expected.status}`);
    assert.equal(expected.bytes.length, f.size, `GET ${f.fileUrl}: the size the API gives`);

    // libtorrent, fed the .torrent fetched from torrentUrl.
    const dir = await mkdtemp(path.join(tmp, `dl-${index}-`));
    const torrentFile = path.join(dir, 'video.torrent');
    await writeFile(torrentFile, tr.bytes);
    const saveDir = path.join(dir, 'save');
    await mkdir(saveDir);
    const run = await runCommand(PYTHON, [DOWNLOADER, torrentFile, saveDir, String(DOWNLOAD_TIMEOUT_S)], {
      timeoutMs: (DOWNLOAD_TIMEOUT_S + 30) * 1000,
    });
    await writeFile(path.join(OUT_DIR, `webseed-libtorrent-${index}.log`), `${run.stdout}\n--- stderr ---\n${run.stderr}`).catch(() => {});
    const evidence = `libtorrent ${run.timedOut ? 'timed out' : `exited ${run.code ?? run.signal}`}\n--- stdout ---\n${run.stdout}\n--- stderr (alerts) ---\n${run.stderr.slice(-6000)}`;
    assert.equal(run.code, 0, evidence);
    let r;
    try {
      r = JSON.parse(run.stdout.trim().split('\n').pop());
    } catch {
      assert.fail(`no JSON from ${DOWNLOADER}\n${evidence}`);
    }
    t.diagnostic(`libtorrent ${r.libtorrent}: ${r.num_pieces} pieces of ${r.piece_length} B, ${r.total_payload_download} B downloaded from ${JSON.stringify(r.peers_seen)}`);

    assert.equal(r.info_hash, infoHash, `${label}: libtorrent's info hash of the torrent`);
    assert.deepEqual(r.web_seeds, [f.fileUrl], `${label}: libtorrent's web seeds`);
    assert.equal(r.seeding, true, `${label}: libtorrent did not complete the download through the web seed within ${DOWNLOAD_TIMEOUT_S} s\n${evidence}`);
    assert.deepEqual(r.errors, [], `${label}: libtorrent reported errors\n${evidence}`);
    // The only source: the web seed (no tracker, DHT, LSD; libtorrent's peer list shows the
    // web seed's connection only).
    assert.ok(r.peers_seen.every((p) => p.web_seed), `${label}: a source other than the web seed: ${JSON.stringify(r.peers_seen)}`);
    assert.equal(r.total_payload_download, f.size, `${label}: bytes downloaded`);
    assert.equal(r.rechecked, true, `${label}: the recheck did not finish\n${evidence}`);
    assert.deepEqual(r.missing_pieces, [], `${label}: pieces that failed libtorrent's recheck`);
    assert.equal(r.have_all, true);

    // The downloaded file is fileUrl's bytes, and each piece is the torrent's SHA-1.
    const got = await readFile(r.file);
    assert.equal(got.length, expected.bytes.length, `${label}: size of the downloaded file`);
    assert.ok(got.equals(expected.bytes), `${label}: the downloaded file differs from GET ${f.fileUrl}`);
    const bad = [];
    for (let i = 0; i * pieceLength < got.length; i++) {
      const h = createHash('sha1').update(got.subarray(i * pieceLength, (i + 1) * pieceLength)).digest();
      if (!h.equals(pieces.subarray(i * 20, i * 20 + 20))) bad.push(i);
    }
    assert.deepEqual(bad, [], `${label}: pieces whose SHA-1 is not the torrent's`);
  }));
}

test('torrentDownloadUrl is the same torrent, as an attachment', tracked(async () => {
  for (const f of files) {
    const [view, dl] = await Promise.all([request(f.torrentUrl), request(f.torrentDownloadUrl)]);
    assert.equal(dl.status, 200, `GET ${f.torrentDownloadUrl}: ${dl.status}`);
    const cd = dl.headers.get('content-disposition') ?? '';
    assert.match(cd, /^attachment\s*(;|$)/i, `GET ${f.torrentDownloadUrl}: Content-Disposition: ${cd}`);
    assert.match(cd, /filename\*?=[^;]*\.torrent/i, `GET ${f.torrentDownloadUrl}: a .torrent file name: ${cd}`);
    assert.equal(dl.headers.get('content-type'), 'application/x-bittorrent');
    assert.ok(dl.bytes.equals(view.bytes), `GET ${f.torrentDownloadUrl} is not the torrent of ${f.torrentUrl}`);
  }
}));
