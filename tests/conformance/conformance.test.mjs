// Ruche's JSON answers checked against JSON schemas generated from PeerTube's own TypeScript
// models (schemas.mjs), and the keys of /config and /config/about against real PeerTube 8.0.1
// answers. One server for the whole file: root logs in the PeerTube way, uploads a 2 s clip,
// waits for it to be published, comments on it and replies, makes a playlist with the video in
// it; then each answer is validated, every error listed at once.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { missingKeyPaths } from './config-keys.mjs';
import { HERE } from './schemas.mjs';
import { makeClip, rucheBin, startRuche, stopRuche, waitFor } from './server.mjs';
import { check, loadValidators } from './validate.mjs';

const FIXTURES = process.env.PEERTUBE_FIXTURES_DIR ||
  path.resolve(HERE, '..', '..', '..', 'shared', 'fixtures', 'peertube-8.0.1', 'api');

const VIDEO_NAME = 'Conformance clip';
const PLAYLIST_NAME = 'Conformance playlist';

let tmp;
let server;
let base;
let auth;
let me;
let video; // VideoDetails once published
let thread; // the thread's root comment, from the POST answer
let reply;
const answers = {}; // the POSTs' answers, checked by their own tests
let failures = false;

/** fetch with root's token; the parsed JSON, or a failure naming the status and body. */
async function api(method, p, { body, form, anonymous = false } = {}) {
  const headers = anonymous ? {} : { ...auth };
  let payload;
  if (form) {
    payload = new FormData();
    for (const [k, v] of Object.entries(form)) payload.set(k, v);
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(base + p, { method, headers, body: payload });
  const text = await res.text();
  if (!res.ok) assert.fail(`${method} ${p} answered ${res.status}: ${text.slice(0, 800)}`);
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`${method} ${p} answered ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
}
const get = (p, opts) => api('GET', p, opts);

/** Validates `data` against schema `name`; fails with every error when it does not conform. */
async function conforms(name, data, label) {
  const msg = await check(name, data, label);
  if (msg) assert.fail(msg);
}

/** `list.data` holds an item with `key` === `value` (so the schema validated a real item). */
function listHas(list, label, key, value) {
  const items = Array.isArray(list?.data) ? list.data : [];
  assert.ok(
    items.some((x) => x?.[key] === value),
    `${label}: expected an item with ${key} = ${JSON.stringify(value)} in data, got ${JSON.stringify(items.map((x) => x?.[key]))}`,
  );
}

async function fixture(name) {
  return JSON.parse(await readFile(path.join(FIXTURES, name), 'utf8'));
}

before(async () => {
  try {
    await setUp();
  } catch (err) {
    failures = true;
    throw err;
  }
});

/** The server, root's token, the published video, the thread and its reply. */
async function setUp() {
  // Schemas first: generating them (once, then cached) needs no server.
  await loadValidators();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-conformance-'));
  const clip = await makeClip(path.join(tmp, 'clip.mp4'));
  server = await startRuche(rucheBin(), path.join(tmp, 'data'));
  base = server.baseUrl;
  const client = await get('/api/v1/oauth-clients/local', { anonymous: true });
  const tokenRes = await fetch(`${base}/api/v1/users/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: client.client_id,
      client_secret: client.client_secret,
      grant_type: 'password',
      username: 'root',
      password: server.password,
    }),
  });
  const token = await tokenRes.json();
  assert.ok(token.access_token, `no access_token in the token answer: ${JSON.stringify(token)}`);
  auth = { authorization: `Bearer ${token.access_token}` };
  me = await get('/api/v1/users/me');
  const channelId = me.videoChannels?.[0]?.id;
  assert.ok(channelId, `users/me has no videoChannels[0].id: ${JSON.stringify(me.videoChannels)}`);

  const up = await api('POST', '/api/v1/videos/upload', {
    form: {
      videofile: new Blob([await readFile(clip)], { type: 'video/mp4' }),
      channelId: String(channelId),
      name: VIDEO_NAME,
      privacy: '1',
    },
  });
  answers.upload = up;
  video = await waitFor(async () => {
    const v = await get(`/api/v1/videos/${up.video.uuid}`);
    return v.state?.id === 1 ? v : null;
  }, {
    timeoutMs: 180_000,
    describe: async () => `video ${up.video.uuid} not published: state ${JSON.stringify((await get(`/api/v1/videos/${up.video.uuid}`)).state)}`,
  });

  const t = await api('POST', `/api/v1/videos/${video.id}/comment-threads`, { body: { text: 'A first comment' } });
  answers.thread = t;
  thread = t.comment;
  const r = await api('POST', `/api/v1/videos/${video.id}/comments/${thread.id}`, { body: { text: 'A reply' } });
  answers.reply = r;
  reply = r.comment;
}

after(async () => {
  await stopRuche(server);
  if (failures && server) process.stderr.write(`----- server output -----\n${server.log().slice(-20_000)}\n`);
  if (tmp) await rm(tmp, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
});

/** A test whose failure also prints the server's output at the end. */
function check_(name, fn) {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failures = true;
      throw err;
    }
  });
}

describe('videos', () => {
  check_('POST /api/v1/videos/upload answers { video: VideoCreateResult }', async () => {
    await conforms('VideoUploadAnswer', answers.upload, 'POST /api/v1/videos/upload');
  });

  check_('GET /api/v1/videos is a ResultList<Video>', async () => {
    const list = await get('/api/v1/videos');
    listHas(list, 'GET /api/v1/videos', 'uuid', video.uuid);
    await conforms('ResultList<Video>', list, 'GET /api/v1/videos');
  });

  check_('GET /api/v1/videos/{uuid} is a VideoDetails', async () => {
    const v = await get(`/api/v1/videos/${video.uuid}`);
    await conforms('VideoDetails', v, `GET /api/v1/videos/${video.uuid}`);
  });

  check_('GET /api/v1/accounts/{name}/videos is a ResultList<Video>', async () => {
    const p = `/api/v1/accounts/${me.account.name}/videos`;
    const list = await get(p);
    listHas(list, p, 'uuid', video.uuid);
    await conforms('ResultList<Video>', list, `GET ${p}`);
  });

  check_('GET /api/v1/video-channels/{name}/videos is a ResultList<Video>', async () => {
    const p = `/api/v1/video-channels/${me.videoChannels[0].name}/videos`;
    const list = await get(p);
    listHas(list, p, 'uuid', video.uuid);
    await conforms('ResultList<Video>', list, `GET ${p}`);
  });

  check_('GET /api/v1/search/videos is a ResultList<Video>', async () => {
    const p = `/api/v1/search/videos?search=${encodeURIComponent(VIDEO_NAME)}`;
    const list = await get(p);
    listHas(list, p, 'uuid', video.uuid);
    await conforms('ResultList<Video>', list, `GET ${p}`);
  });
});

describe('channels and accounts', () => {
  check_('GET /api/v1/video-channels/{name} is a VideoChannel', async () => {
    const p = `/api/v1/video-channels/${me.videoChannels[0].name}`;
    await conforms('VideoChannel', await get(p), `GET ${p}`);
  });

  check_('GET /api/v1/video-channels is a ResultList<VideoChannel>', async () => {
    const list = await get('/api/v1/video-channels');
    listHas(list, 'GET /api/v1/video-channels', 'name', me.videoChannels[0].name);
    await conforms('ResultList<VideoChannel>', list, 'GET /api/v1/video-channels');
  });

  check_('GET /api/v1/search/video-channels is a ResultList<VideoChannel>', async () => {
    const p = `/api/v1/search/video-channels?search=${encodeURIComponent(me.videoChannels[0].name)}`;
    const list = await get(p);
    listHas(list, p, 'name', me.videoChannels[0].name);
    await conforms('ResultList<VideoChannel>', list, `GET ${p}`);
  });

  check_('GET /api/v1/accounts/{name} is an Account', async () => {
    const p = `/api/v1/accounts/${me.account.name}`;
    await conforms('Account', await get(p), `GET ${p}`);
  });

  check_('GET /api/v1/users/me is a MyUser', async () => {
    await conforms('MyUser', await get('/api/v1/users/me'), 'GET /api/v1/users/me');
  });
});

describe('config', () => {
  check_('GET /api/v1/config is a ServerConfig', async () => {
    await conforms('ServerConfig', await get('/api/v1/config', { anonymous: true }), 'GET /api/v1/config');
  });

  check_('GET /api/v1/config/about is an About', async () => {
    await conforms('About', await get('/api/v1/config/about', { anonymous: true }), 'GET /api/v1/config/about');
  });

  check_('GET /api/v1/config has every key of PeerTube 8.0.1\'s', async () => {
    const missing = missingKeyPaths(await fixture('config.json'), await get('/api/v1/config', { anonymous: true }));
    assert.ok(missing.length === 0, `GET /api/v1/config lacks ${missing.length} key paths of PeerTube 8.0.1's answer:\n  ${missing.join('\n  ')}`);
  });

  check_('GET /api/v1/config/about has every key of PeerTube 8.0.1\'s', async () => {
    const missing = missingKeyPaths(await fixture('config-about.json'), await get('/api/v1/config/about', { anonymous: true }));
    assert.ok(missing.length === 0, `GET /api/v1/config/about lacks ${missing.length} key paths of PeerTube 8.0.1's answer:\n  ${missing.join('\n  ')}`);
  });
});

describe('comments', () => {
  check_('POST /api/v1/videos/{id}/comment-threads answers { comment: VideoComment }', async () => {
    await conforms('VideoCommentAnswer', answers.thread, `POST /api/v1/videos/${video.id}/comment-threads`);
  });

  check_('POST /api/v1/videos/{id}/comments/{commentId} answers { comment: VideoComment }', async () => {
    await conforms('VideoCommentAnswer', answers.reply, `POST /api/v1/videos/${video.id}/comments/${thread.id}`);
  });

  check_('GET /api/v1/videos/{id}/comment-threads is a ResultList<VideoComment> (VideoCommentThreads)', async () => {
    const p = `/api/v1/videos/${video.id}/comment-threads`;
    const list = await get(p);
    listHas(list, p, 'id', thread.id);
    await conforms('VideoCommentThreads', list, `GET ${p}`);
  });

  check_('GET /api/v1/videos/{id}/comment-threads/{threadId} is a VideoCommentThreadTree', async () => {
    const p = `/api/v1/videos/${video.id}/comment-threads/${thread.id}`;
    const tree = await get(p);
    assert.ok(
      Array.isArray(tree?.children) && tree.children.some((c) => c?.comment?.id === reply.id),
      `GET ${p}: expected the reply ${reply.id} in children, got ${JSON.stringify(tree?.children)?.slice(0, 500)}`,
    );
    await conforms('VideoCommentThreadTree', tree, `GET ${p}`);
  });
});

describe('playlists', () => {
  // Promise of { playlist: the POST answer's videoPlaylist, element: the POST answer's
  // videoPlaylistElement, answers: both answers whole }.
  let created;

  /** The playlist with the video in it, made once for all the playlist checks. */
  function playlist() {
    created ??= (async () => {
      const p = await api('POST', '/api/v1/video-playlists', {
        form: { displayName: PLAYLIST_NAME, privacy: '1', videoChannelId: String(me.videoChannels[0].id) },
      });
      assert.ok(p?.videoPlaylist?.id && p.videoPlaylist.uuid, `POST /api/v1/video-playlists: no videoPlaylist.id/uuid in ${JSON.stringify(p)}`);
      const e = await api('POST', `/api/v1/video-playlists/${p.videoPlaylist.id}/videos`, { body: { videoId: video.id } });
      assert.ok(e?.videoPlaylistElement?.id, `POST /api/v1/video-playlists/${p.videoPlaylist.id}/videos: no videoPlaylistElement.id in ${JSON.stringify(e)}`);
      return { playlist: p.videoPlaylist, element: e.videoPlaylistElement, answers: { playlist: p, element: e } };
    })();
    return created;
  }

  check_('POST /api/v1/video-playlists answers { videoPlaylist: VideoPlaylistCreateResult }', async () => {
    const { answers: a } = await playlist();
    await conforms('VideoPlaylistCreateAnswer', a.playlist, 'POST /api/v1/video-playlists');
  });

  check_('POST /api/v1/video-playlists/{id}/videos answers { videoPlaylistElement: VideoPlaylistElementCreateResult }', async () => {
    const { playlist: pl, answers: a } = await playlist();
    await conforms('VideoPlaylistElementCreateAnswer', a.element, `POST /api/v1/video-playlists/${pl.id}/videos`);
  });

  check_('GET /api/v1/video-playlists/{id} is a VideoPlaylist', async () => {
    const { playlist: pl } = await playlist();
    const p = `/api/v1/video-playlists/${pl.uuid}`;
    const got = await get(p);
    assert.equal(got.videosLength, 1, `GET ${p}: videosLength`);
    await conforms('VideoPlaylist', got, `GET ${p}`);
  });

  check_('GET /api/v1/video-playlists is a ResultList<VideoPlaylist>', async () => {
    const { playlist: pl } = await playlist();
    const list = await get('/api/v1/video-playlists');
    listHas(list, 'GET /api/v1/video-playlists', 'uuid', pl.uuid);
    await conforms('ResultList<VideoPlaylist>', list, 'GET /api/v1/video-playlists');
  });

  check_('GET /api/v1/video-playlists/{id}/videos is a ResultList<VideoPlaylistElement>', async () => {
    const { playlist: pl, element } = await playlist();
    const p = `/api/v1/video-playlists/${pl.uuid}/videos`;
    const list = await get(p);
    listHas(list, p, 'id', element.id);
    await conforms('ResultList<VideoPlaylistElement>', list, `GET ${p}`);
  });

  check_('GET /api/v1/video-channels/{name}/video-playlists is a ResultList<VideoPlaylist>', async () => {
    const { playlist: pl } = await playlist();
    const p = `/api/v1/video-channels/${me.videoChannels[0].name}/video-playlists`;
    const list = await get(p);
    listHas(list, p, 'uuid', pl.uuid);
    await conforms('ResultList<VideoPlaylist>', list, `GET ${p}`);
  });

  check_('GET /api/v1/accounts/{name}/video-playlists is a ResultList<VideoPlaylist>', async () => {
    const { playlist: pl } = await playlist();
    const p = `/api/v1/accounts/${me.account.name}/video-playlists`;
    const list = await get(p);
    listHas(list, p, 'uuid', pl.uuid);
    await conforms('ResultList<VideoPlaylist>', list, `GET ${p}`);
  });

  check_('GET /api/v1/search/video-playlists is a ResultList<VideoPlaylist>', async () => {
    const { playlist: pl } = await playlist();
    const p = `/api/v1/search/video-playlists?search=${encodeURIComponent(PLAYLIST_NAME)}`;
    const list = await get(p);
    listHas(list, p, 'uuid', pl.uuid);
    await conforms('ResultList<VideoPlaylist>', list, `GET ${p}`);
  });
});
