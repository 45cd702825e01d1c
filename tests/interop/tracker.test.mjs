// Ruche's BitTorrent tracker against `bittorrent-tracker` 10.0.12's client (the tracker client
// WebTorrent and, in its browser build, p2p-media-loader are made of) and a raw WebSocket
// speaking the WebTorrent tracker protocol by hand, on a real `ruche serve`:
//
//   RUCHE_BIN=target/debug/ruche node --test tests/interop/tracker.test.mjs
//
// The swarms are real ones of a published video: a rendition's torrent (its info hash read from
// the `.torrent` at `torrentUrl`, checked against `magnetUri`) and the p2p-media-loader HLS
// swarms of its `Infohash` tags (ActivityPub). The tracker is private (the default), so only
// those are taken. Every test leaves its swarm empty and checks it, so the counts of one test
// never depend on another; the unknown-hash test runs last, because an address that asks a
// WebSocket for an unknown hash is then refused for minutes (as PeerTube refuses it).
// See README.md.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Client from 'bittorrent-tracker';
import WebSocket from 'ws';
import { decode, spanOf, text } from './lib/bencode.mjs';
import {
  api, failureTracker, getToken, makeClip, request, rucheBin, startRuche, stopProcess, uploadClip,
  waitFor, waitPublished,
} from './lib/ruche.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(HERE, 'out');
const VIDEO_NAME = 'Shared through the tracker';
// Every wait for an answer of the tracker is bounded by this.
const WAIT_MS = 15_000;

let tmp;
let server;
const { tracked, failed } = failureTracker();
// What `before` learns: the video, its renditions' info hashes (hex) and its swarm hashes.
const v = {};

const hexOf = (buf) => Buffer.from(buf).toString('hex');
/** A binary string of the WebTorrent protocol: one character per byte. */
const bin = (buf) => Buffer.from(buf).toString('latin1');
const pct = (buf) => [...Buffer.from(buf)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
/** A peer id as clients make them (an Azureus-style prefix), with random, non-ASCII bytes. */
const newPeerId = (tag) => {
  assert.equal(tag.length, 2, 'a peer id tag is two characters');
  return Buffer.concat([Buffer.from(`-${tag}0001-`), randomBytes(12)]);
};
const trackerUrls = () => ({
  http: `${server.url}/tracker/announce`,
  scrape: `${server.url}/tracker/scrape`,
  ws: `ws://${server.host}/tracker/socket`,
});

/**
 * Resolves with the first `event` of `emitter` whose arguments pass `pred`, within WAIT_MS;
 * a `warning` or `error` of a bittorrent-tracker client meanwhile fails the wait with it.
 */
function nextEvent(emitter, event, pred = () => true, what = event) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const done = (fn, x) => {
      clearTimeout(timer);
      emitter.off(event, on);
      emitter.off('warning', bad);
      emitter.off('error', bad);
      fn(x);
    };
    const on = (...args) => {
      seen.push(args[0]);
      if (pred(...args)) done(resolve, args[0]);
    };
    const bad = (err) => done(reject, new Error(`${what}: the client reported "${err.message}"`));
    const timer = setTimeout(
      () => done(reject, new Error(`no ${what} within ${WAIT_MS / 1000} s; ${event} events seen: ${JSON.stringify(seen)}`)),
      WAIT_MS,
    );
    emitter.on(event, on);
    emitter.on('warning', bad);
    emitter.on('error', bad);
  });
}

/** A bittorrent-tracker client, as WebTorrent makes one. */
function trackerClient({ infoHash, peerId, announce, port = 6881, opts = {} }) {
  const c = new Client({
    infoHash, // hex
    peerId: hexOf(peerId),
    announce: [announce],
    port,
    // In Node a WebSocket tracker client is only made with a WebRTC implementation; none is
    // used, since it announces no offers (numwant 0).
    wrtc: {},
    // Read at each announce, so a test can change what the next one says (`left`).
    getAnnounceOpts: () => ({ ...opts }),
  });
  // Unhandled 'error' events would crash the run: the waits report them instead.
  c.on('error', () => {});
  c.on('warning', () => {});
  return c;
}

/** A client's `update` after `action`, with the counts `pred` wants. */
async function announceAndUpdate(client, action, pred, what) {
  const p = nextEvent(client, 'update', pred, what);
  action();
  return p;
}

const counts = (u) => ({ complete: u.complete, incomplete: u.incomplete });

/** `GET /tracker/scrape` for `hashes` (hex), decoded by hand: { files: {hex: counts}, raw }. */
async function scrape(...hashes) {
  const q = hashes.map((h) => `info_hash=${pct(Buffer.from(h, 'hex'))}`).join('&');
  const r = await request(`${trackerUrls().scrape}?${q}`);
  assert.equal(r.status, 200, `GET /tracker/scrape?${q}: ${r.status} ${r.text}`);
  let d;
  try {
    d = decode(r.bytes);
  } catch (err) {
    assert.fail(`GET /tracker/scrape?${q} is not bencoded (${err.message}): ${JSON.stringify(r.bytes.toString('latin1'))}`);
  }
  assert.equal(d['failure reason'], undefined, `GET /tracker/scrape?${q}: ${text(d['failure reason'])}`);
  const files = {};
  for (const [k, c] of Object.entries(d.files ?? {})) files[hexOf(Buffer.from(k, 'latin1'))] = c;
  return { files, raw: d };
}

/** Waits until a scrape says the swarm of `hash` (hex) has no peer left. */
async function waitEmpty(hash) {
  let last;
  await waitFor(`the swarm ${hash} to be empty`, async () => {
    last = (await scrape(hash)).files[hash];
    return last && last.complete === 0 && last.incomplete === 0;
  }, { describe: () => `last scrape: ${JSON.stringify(last)}`, timeoutMs: WAIT_MS, servers: [server] });
}

/**
 * A WebSocket to the tracker, spoken by hand: `send(obj)`, `next(pred, what)` for the first
 * message (parsed JSON) passing `pred` that has not been taken yet, and `closed`, which settles
 * when the tracker closes it.
 */
function rawSocket(url = trackerUrls().ws) {
  const ws = new WebSocket(url);
  const s = { ws, messages: [], waiters: [], closed: null, opened: null };
  s.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  s.opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
  });
  s.opened.catch(() => {});
  ws.on('error', () => {});
  ws.on('message', (data) => {
    let m;
    try {
      m = JSON.parse(String(data));
    } catch {
      m = { unparsable: String(data) };
    }
    s.messages.push(m);
    for (const w of [...s.waiters]) w();
  });
  s.send = (obj) => ws.send(JSON.stringify(obj));
  s.next = (pred, what) => new Promise((resolve, reject) => {
    const check = () => {
      const i = s.messages.findIndex((m) => !m.taken && pred(m));
      if (i < 0) return false;
      s.messages[i].taken = true;
      clearTimeout(timer);
      s.waiters = s.waiters.filter((w) => w !== check);
      resolve(s.messages[i]);
      return true;
    };
    const timer = setTimeout(() => {
      s.waiters = s.waiters.filter((w) => w !== check);
      reject(new Error(`no ${what} within ${WAIT_MS / 1000} s; messages: ${JSON.stringify(s.messages)}`));
    }, WAIT_MS);
    if (!check()) s.waiters.push(check);
  });
  s.close = () => ws.close();
  return s;
}

/** A WebSocket announce's answer: the counts of its swarm, for its info hash. */
const isAnswerFor = (hashBin) => (m) => m.action === 'announce' && m.info_hash === hashBin && m.complete != null;

before(async () => {
  const bin_ = rucheBin();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-tracker-'));
  await mkdir(OUT_DIR, { recursive: true });
  const clip = await makeClip(path.join(tmp, 'clip.mp4'));
  server = await startRuche(bin_, path.join(tmp, 'data'), { env: { RUCHE_TRANSCODING_THREADS: '1' } });
  const token = await getToken(server);
  const { uuid } = await uploadClip(server, token, clip, VIDEO_NAME);
  const video = await waitPublished(server, token, uuid, { minFiles: 2 });
  v.uuid = uuid;
  v.playlist = video.streamingPlaylists[0];

  // Each rendition's info hash, from its .torrent, the same as its magnet's.
  v.renditions = [];
  for (const f of v.playlist.files) {
    const t = await request(f.torrentUrl);
    assert.equal(t.status, 200, `GET ${f.torrentUrl}: ${t.status}`);
    const torrent = decode(t.bytes);
    const [start, end] = spanOf(torrent, 'info');
    const infoHash = createHash('sha1').update(t.bytes.subarray(start, end)).digest('hex');
    const xt = new URL(f.magnetUri).searchParams.get('xt');
    assert.equal(xt, `urn:btih:${infoHash}`, `${f.magnetUri} names another info hash than ${f.torrentUrl}`);
    v.renditions.push({ resolution: f.resolution.id, infoHash });
  }

  // The p2p-media-loader swarms of the HLS playlist: its Infohash tags in the Video object.
  const ap = await request(`${server.url}/videos/watch/${uuid}`, { headers: { Accept: 'application/activity+json' } });
  assert.equal(ap.status, 200, `GET /videos/watch/${uuid} (activity+json): ${ap.status} ${ap.text.slice(0, 500)}`);
  const hls = (ap.json.url ?? []).find((u) => u.mediaType === 'application/x-mpegURL');
  assert.ok(hls, `no HLS link in the Video's url: ${JSON.stringify(ap.json.url)}`);
  v.masterUrl = hls.href;
  v.swarms = (hls.tag ?? []).filter((t) => t.type === 'Infohash').map((t) => t.name);
}, { timeout: 240_000 });

after(async () => {
  await stopProcess(server);
  if (server) await writeFile(path.join(OUT_DIR, 'tracker-ruche.log'), server.stdout + server.stderr).catch(() => {});
  if (failed() && server) {
    console.error(`--- Ruche stderr (last 8000 chars; full log in ${path.join(OUT_DIR, 'tracker-ruche.log')}) ---`);
    console.error(server.stderr.slice(-8000));
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the video has two renditions with torrents and one p2p-media-loader swarm per rendition', tracked(async () => {
  assert.equal(v.renditions.length, 2, `renditions: ${JSON.stringify(v.renditions)}`);
  assert.equal(v.masterUrl, v.playlist.playlistUrl, 'the HLS link of the Video is the API\'s master playlist');
  assert.equal(v.swarms.length, 2, `Infohash tags: ${JSON.stringify(v.swarms)}`);
  // p2p-media-loader 2.0–2.2 (PeerTube 8's player) names the swarm of the master's i-th
  // variant "v2-<master URL>-main-<i>" and announces base64(md5(name)[1..16]), 20 ASCII
  // characters, as the info hash; PeerTube publishes their hex.
  v.swarms.forEach((tag, i) => {
    const md5 = createHash('md5').update(`v2-${v.masterUrl}-main-${i}`).digest();
    const announced = md5.subarray(1, 16).toString('base64');
    assert.equal(tag, Buffer.from(announced, 'ascii').toString('hex'), `Infohash tag ${i} is not the swarm of main-${i}`);
  });
}));

for (const compact of [1, 0]) {
  test(`HTTP announce (compact=${compact}): the second peer of a rendition's swarm gets the first as a peer`, tracked(async () => {
    const hash = v.renditions[compact ? 0 : 1].infoHash;
    const [portA, portB] = [40000 + Math.floor(Math.random() * 10000), 50000 + Math.floor(Math.random() * 10000)];
    const [idA, idB] = [newPeerId('AA'), newPeerId('BB')];
    const opts = { compact };
    const a = trackerClient({ infoHash: hash, peerId: idA, announce: trackerUrls().http, port: portA, opts: { ...opts, left: 0 } });
    const b = trackerClient({ infoHash: hash, peerId: idB, announce: trackerUrls().http, port: portB, opts: { ...opts, left: 1000 } });
    try {
      const ua = await announceAndUpdate(a, () => a.start(), () => true, 'the first peer\'s announce answer');
      assert.deepEqual(counts(ua), { complete: 1, incomplete: 0 }, `the first peer's answer: ${JSON.stringify(ua)}`);

      const peers = [];
      b.on('peer', (p) => peers.push(p));
      const ub = await announceAndUpdate(b, () => b.start(), () => true, 'the second peer\'s announce answer');
      assert.deepEqual(counts(ub), { complete: 1, incomplete: 1 }, `the second peer's answer: ${JSON.stringify(ub)}`);
      if (compact) {
        // 6 bytes a peer (BEP 23): the client turns them into "ip:port".
        assert.ok(Buffer.isBuffer(ub.peers) || ub.peers instanceof Uint8Array, `compact peers are bytes: ${JSON.stringify(ub.peers)}`);
        assert.deepEqual(peers, [`127.0.0.1:${portA}`], 'the second peer gets the first, and only it');
      } else {
        // A list of dictionaries (BEP 3), each with the peer's id.
        assert.ok(Array.isArray(ub.peers), `non-compact peers are a list: ${JSON.stringify(ub.peers)}`);
        const list = ub.peers.map((p) => ({ ip: Buffer.from(p.ip).toString(), port: p.port, id: hexOf(p['peer id']) }));
        assert.deepEqual(list, [{ ip: '127.0.0.1', port: portA, id: hexOf(idA) }], 'the second peer gets the first, and only it');
        // bittorrent-tracker 10.0.12 formats a non-compact peer's `ip` (bytes, as bencode 4
        // decodes every string) with `${ip}`, so its `peer` event says "49,50,55,…:port" for
        // any tracker: read those bytes back before comparing.
        const fixed = peers.map((p) => p.replace(/^(\d+(?:,\d+)+):/, (_, codes) => `${String.fromCharCode(...codes.split(',').map(Number))}:`));
        assert.deepEqual(fixed, [`127.0.0.1:${portA}`], `the second peer's peer events: ${JSON.stringify(peers)}`);
      }
      // The first peer, announcing again, gets the second.
      const peersOfA = [];
      a.on('peer', (p) => peersOfA.push(p));
      const ua2 = await announceAndUpdate(a, () => a.update(), () => true, 'the first peer\'s second announce answer');
      assert.deepEqual(counts(ua2), { complete: 1, incomplete: 1 });
      assert.equal(peersOfA.length, 1, `the first peer's peers: ${JSON.stringify(peersOfA)}`);
      assert.match(peersOfA[0], new RegExp(`:${portB}$`));

      // Both leave (event=stopped): the swarm is empty.
      await announceAndUpdate(a, () => a.stop(), () => true, 'the first peer\'s stop answer');
      await announceAndUpdate(b, () => b.stop(), () => true, 'the second peer\'s stop answer');
      await waitEmpty(hash);
    } finally {
      a.destroy();
      b.destroy();
    }
  }));
}

test('HTTP announce, by hand: the bencoded answer of BEP 3 and BEP 23', tracked(async () => {
  const hash = Buffer.from(v.renditions[0].infoHash, 'hex');
  const id = newPeerId('RW');
  const q = (extra) => `info_hash=${pct(hash)}&peer_id=${pct(id)}&port=6999&uploaded=0&downloaded=0&left=0&${extra}`;
  const r = await request(`${trackerUrls().http}?${q('compact=1&event=started')}`);
  assert.equal(r.status, 200);
  const d = decode(r.bytes);
  assert.equal(d['failure reason'], undefined, `failure: ${text(d['failure reason'])}`);
  assert.equal(typeof d.interval, 'number', `interval: ${JSON.stringify(d)}`);
  assert.ok(d.interval > 0);
  assert.deepEqual({ complete: d.complete, incomplete: d.incomplete }, { complete: 1, incomplete: 0 });
  assert.ok(Buffer.isBuffer(d.peers) && d.peers.length === 0, 'no other peer (compact: an empty byte string)');
  const stop = decode((await request(`${trackerUrls().http}?${q('compact=1&event=stopped')}`)).bytes);
  assert.equal(stop['failure reason'], undefined, `stop: ${text(stop['failure reason'])}`);
  await waitEmpty(v.renditions[0].infoHash);
}));

/** The WebSocket tests run on a rendition's swarm (binary info hash) and on an HLS swarm (ASCII). */
const wsCases = [
  { label: 'a rendition\'s torrent', hash: () => v.renditions[1].infoHash },
  { label: 'a p2p-media-loader HLS swarm', hash: () => v.swarms[0] },
];

for (const c of wsCases) {
  test(`WebSocket announce (${c.label}): each peer's update counts both`, tracked(async () => {
    const hash = c.hash();
    const announce = trackerUrls().ws;
    // bittorrent-tracker shares one WebSocket between its clients of one tracker URL, keyed by
    // the URL's spelling: the second client's is spelt with an uppercase scheme, so it opens a
    // WebSocket of its own, as a second browser would (the request is the same).
    const a = trackerClient({ infoHash: hash, peerId: newPeerId('WA'), announce, opts: { numwant: 0, left: 0 } });
    const b = trackerClient({ infoHash: hash, peerId: newPeerId('WB'), announce: announce.replace(/^ws:/, 'WS:'), opts: { numwant: 0, left: 1000 } });
    try {
      const ua = await announceAndUpdate(a, () => a.start(), () => true, 'the first peer\'s update');
      assert.deepEqual(counts(ua), { complete: 1, incomplete: 0 }, `the first peer's update: ${JSON.stringify(ua)}`);
      assert.equal(ua.infoHash, hash, 'the answer names the swarm');
      const ub = await announceAndUpdate(b, () => b.start(), () => true, 'the second peer\'s update');
      assert.deepEqual(counts(ub), { complete: 1, incomplete: 1 }, `the second peer's update: ${JSON.stringify(ub)}`);
      const ua2 = await announceAndUpdate(a, () => a.update(), () => true, 'the first peer\'s second update');
      assert.deepEqual(counts(ua2), { complete: 1, incomplete: 1 }, `the first peer's second update: ${JSON.stringify(ua2)}`);
      // The HTTP scrape sees the WebSocket peers.
      const s = await scrape(hash);
      assert.deepEqual(counts(s.files[hash] ?? {}), { complete: 1, incomplete: 1 }, `scrape: ${JSON.stringify(s.files)}`);
    } finally {
      a.destroy();
      b.destroy();
    }
    // Their sockets closed: they left the swarm.
    await waitEmpty(hash);
  }));

  test(`WebSocket signalling (${c.label}): an offer reaches the other peer, its answer comes back`, tracked(async () => {
    const hash = c.hash();
    const hashBin = bin(Buffer.from(hash, 'hex'));
    const [idA, idB] = [newPeerId('OA'), newPeerId('OB')].map(bin);
    const a = rawSocket();
    const b = rawSocket();
    try {
      await Promise.all([a.opened, b.opened]);
      // B joins first, offering nothing.
      b.send({ action: 'announce', info_hash: hashBin, peer_id: idB, event: 'started', numwant: 0, uploaded: 0, downloaded: 0, left: 1000, offers: [] });
      const ansB = await b.next(isAnswerFor(hashBin), 'the answer to B\'s announce');
      assert.deepEqual(counts(ansB), { complete: 0, incomplete: 1 }, JSON.stringify(ansB));
      assert.ok(ansB.interval > 0, `interval: ${JSON.stringify(ansB)}`);

      // A announces with an offer, as a browser's bittorrent-tracker client does.
      const offerId = bin(randomBytes(20));
      const offer = { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sctp-port:5000\r\n' };
      a.send({ action: 'announce', info_hash: hashBin, peer_id: idA, event: 'started', numwant: 1, uploaded: 0, downloaded: 0, left: 0, offers: [{ offer_id: offerId, offer }] });
      const ansA = await a.next(isAnswerFor(hashBin), 'the answer to A\'s announce');
      assert.deepEqual(counts(ansA), { complete: 1, incomplete: 1 }, JSON.stringify(ansA));

      const relayed = await b.next((m) => m.offer, 'A\'s offer at B');
      assert.deepEqual(
        { action: relayed.action, info_hash: relayed.info_hash, peer_id: relayed.peer_id, offer_id: relayed.offer_id, offer: relayed.offer },
        { action: 'announce', info_hash: hashBin, peer_id: idA, offer_id: offerId, offer },
        'B gets A\'s offer as A sent it, from A\'s peer id',
      );

      // B answers; only A gets the answer.
      const answer = { type: 'answer', sdp: 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=mid:0\r\n' };
      b.send({ action: 'announce', info_hash: hashBin, peer_id: idB, to_peer_id: idA, offer_id: offerId, answer });
      const back = await a.next((m) => m.answer, 'B\'s answer at A');
      assert.deepEqual(
        { action: back.action, info_hash: back.info_hash, peer_id: back.peer_id, offer_id: back.offer_id, answer: back.answer },
        { action: 'announce', info_hash: hashBin, peer_id: idB, offer_id: offerId, answer },
        'A gets B\'s answer to its offer, from B\'s peer id',
      );
      const stray = [...a.messages, ...b.messages].filter((m) => m['failure reason'] || (m.offer && m.peer_id !== idA));
      assert.deepEqual(stray, [], 'no failure and no other offer');
    } finally {
      a.close();
      b.close();
    }
    await Promise.all([a.closed, b.closed]);
    await waitEmpty(hash);
  }));
}

test('HTTP scrape counts seeders, leechers and completed downloads', tracked(async () => {
  const [h1, h2] = [v.renditions[0].infoHash, v.swarms[1]];
  const seeder = trackerClient({ infoHash: h1, peerId: newPeerId('SS'), announce: trackerUrls().http, port: 6901, opts: { left: 0 } });
  const leecherOpts = { left: 5000 };
  const leecher = trackerClient({ infoHash: h1, peerId: newPeerId('SL'), announce: trackerUrls().http, port: 6902, opts: leecherOpts });
  try {
    await announceAndUpdate(seeder, () => seeder.start(), () => true, 'the seeder\'s answer');
    await announceAndUpdate(leecher, () => leecher.start(), () => true, 'the leecher\'s answer');

    // Two info hashes in one scrape: both are answered, by their 20 bytes.
    const s = await scrape(h1, h2);
    assert.deepEqual(Object.keys(s.files).sort(), [h1, h2].sort(), `scrape files: ${JSON.stringify(s.files)}`);
    assert.deepEqual(s.files[h1], { complete: 1, downloaded: 0, incomplete: 1 });
    assert.deepEqual(s.files[h2], { complete: 0, downloaded: 0, incomplete: 0 });

    // bittorrent-tracker's own scrape (its `infoHash` in the result is garbled by the client:
    // bencode 4 hands it a non-UTF-8 key as hex; the counts are what matters).
    const viaClient = await new Promise((resolve, reject) => {
      Client.scrape({ announce: trackerUrls().http, infoHash: h1 }, (err, data) => (err ? reject(err) : resolve(data)));
    });
    assert.deepEqual({ complete: viaClient.complete, incomplete: viaClient.incomplete, downloaded: viaClient.downloaded },
      { complete: 1, incomplete: 1, downloaded: 0 });

    // The leecher completes: two seeders, one download.
    leecherOpts.left = 0;
    await announceAndUpdate(leecher, () => leecher.complete(), () => true, 'the leecher\'s completed answer');
    assert.deepEqual((await scrape(h1)).files[h1], { complete: 2, downloaded: 1, incomplete: 0 });

    await announceAndUpdate(seeder, () => seeder.stop(), () => true, 'the seeder\'s stop');
    assert.deepEqual((await scrape(h1)).files[h1], { complete: 1, downloaded: 1, incomplete: 0 });
    await announceAndUpdate(leecher, () => leecher.stop(), () => true, 'the leecher\'s stop');
    await waitEmpty(h1);
  } finally {
    seeder.destroy();
    leecher.destroy();
  }
}));

test('HTTP announce of an unknown info hash: a bencoded failure reason', tracked(async () => {
  const unknown = randomBytes(20);
  const q = `info_hash=${pct(unknown)}&peer_id=${pct(newPeerId('UH'))}&port=6881&uploaded=0&downloaded=0&left=0&compact=1`;
  const r = await request(`${trackerUrls().http}?${q}`);
  assert.equal(r.status, 200, 'trackers answer failures with 200');
  const d = decode(r.bytes);
  assert.deepEqual(Object.keys(d), ['failure reason'], `answer: ${JSON.stringify(r.bytes.toString('latin1'))}`);
  assert.match(text(d['failure reason']), new RegExp(`Unknown infoHash ${hexOf(unknown)}`));

  // bittorrent-tracker's client reports it as a warning.
  const c = trackerClient({ infoHash: hexOf(unknown), peerId: newPeerId('UC'), announce: trackerUrls().http });
  try {
    const warning = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no warning from the client')), WAIT_MS);
      c.once('warning', (err) => {
        clearTimeout(t);
        resolve(err);
      });
    });
    c.start();
    assert.match((await warning).message, /Unknown infoHash/);
  } finally {
    c.destroy();
  }
}));

// Last: from here on this address is refused by the WebSocket tracker for minutes.
test('WebSocket announce of an unknown info hash: a failure reason, then the socket is closed', tracked(async (t) => {
  const unknown = randomBytes(20);
  const s = rawSocket();
  await s.opened;
  s.send({ action: 'announce', info_hash: bin(unknown), peer_id: bin(newPeerId('UW')), event: 'started', numwant: 0, uploaded: 0, downloaded: 0, left: 0, offers: [] });
  const m = await s.next((x) => x['failure reason'] != null || x.complete != null, 'an answer to the unknown hash');
  assert.equal(m.complete, undefined, `the tracker took an unknown info hash: ${JSON.stringify(m)}`);
  assert.equal(m.action, 'announce');
  assert.match(m['failure reason'], new RegExp(`Unknown infoHash ${hexOf(unknown)}`));
  const closed = await Promise.race([s.closed, new Promise((r) => setTimeout(() => r(null), WAIT_MS))]);
  assert.ok(closed, `the tracker did not close the socket within ${WAIT_MS / 1000} s`);

  // PeerTube then refuses the address for a while (it answers the upgrade 403); whatever the
  // way, a known hash cannot be announced from it now.
  const again = rawSocket();
  let refusedAt;
  try {
    await again.opened;
  } catch (err) {
    refusedAt = `upgrade (${err.message})`;
  }
  if (!refusedAt) {
    again.send({ action: 'announce', info_hash: bin(Buffer.from(v.swarms[0], 'hex')), peer_id: bin(newPeerId('UB')), event: 'started', numwant: 0, offers: [] });
    const first = await Promise.race([
      again.next(() => true, 'a message on the refused socket'),
      again.closed.then((c) => ({ closedWith: c })),
    ]);
    assert.equal(first.complete, undefined, `an address that asked for an unknown hash announced again at once: ${JSON.stringify(first)}`);
    refusedAt = first['failure reason'] ?? `close ${JSON.stringify(first.closedWith)}`;
    await Promise.race([again.closed, new Promise((r) => setTimeout(r, WAIT_MS))]);
  }
  t.diagnostic(`the next WebSocket from this address was refused at: ${refusedAt}`);
}));
