// A real `ruche serve` federating with a remote actor built on @fedify/fedify (fedify/actor.mjs),
// both on 127.0.0.1: alice follows Ruche's channel, gets the new video's Create and Announce,
// replies to it, gets root's answer, likes the video, unfollows, and deletes her account (her
// comment stays as a tombstone, root's answer under it).
//
//   (cd tests/interop/fedify && npm ci)
//   RUCHE_BIN=target/debug/ruche node --test tests/interop/
//
// Fedify is software nobody on the team wrote, so each activity Ruche sends is judged by
// fedify's own verifiers (HTTP Signature, LD signature), and each one alice sends is built,
// signed and delivered by fedify. See README.md for what each step proves.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  api, failureTracker, getToken, makeClip, request, rucheBin, startRuche, stopProcess, uploadClip,
  waitFor,
} from './lib/ruche.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT_DIR = path.join(HERE, 'out');
const FEDIFY_DIR = path.join(HERE, 'fedify');
const ACTOR = path.join(FEDIFY_DIR, 'actor.mjs');
const VIDEO_NAME = 'Federated with fedify';
// Every wait is bounded, so a server that never does what is expected fails the test instead
// of hanging it; and it polls often enough that a passing run stays quick.
const WAIT_MS = 60_000;
const POLL_MS = 250;
// A step waits at most WAIT_MS per condition; this bounds a step that waits for several.
const STEP_TIMEOUT_MS = 3 * WAIT_MS;
// fedify's debug log says why it refused a signature or an activity, which is the evidence a
// failure needs; FEDIFY_ACTOR_LOG=info makes it quieter.
const FEDIFY_LOG_LEVEL = process.env.FEDIFY_ACTOR_LOG ?? 'debug';
const READY = /^fedify actor ready at (http:\/\/127\.0\.0\.1:(\d+)\/users\/alice)$/m;

let tmp; // everything this file writes outside out/
let ruche; // { child, url, host, port, password, stdout, stderr, exited }
let alice; // { label, child, id, origin, port, host, stdout, stderr, exited }
// A failing step marks the run as failed, so that `after` prints both servers' stderr.
const { tracked, failed } = failureTracker();
// Every process spawned, from the moment it is spawned, so that `after` kills even one whose
// startup failed or that was still starting when the other one failed.
const spawned = [];
let token; // root's bearer token on Ruche
// What the steps learn, in order; a step whose inputs are missing skips, since the step that
// should have produced them has already failed.
const learned = {};

/** Skips `t` unless every key of `learned` named in `keys` is set; returns whether it skipped. */
function needs(t, ...keys) {
  const missing = keys.filter((k) => learned[k] == null);
  if (missing.length === 0) return false;
  t.skip(`an earlier step failed (no ${missing.join(', ')})`);
  return true;
}

const asArray = (v) => (v == null ? [] : Array.isArray(v) ? v : [v]);
const idOf = (v) => (typeof v === 'string' ? v : v?.id);

/**
 * Spawns `cmd` in its own process group (so it and anything it starts can be killed together)
 * and resolves once `ready(stdout)` gives a match, within `timeoutMs`.
 */
async function spawnUntilReady(label, cmd, args, { env, cwd, ready, timeoutMs }) {
  const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const p = { label, child, stdout: '', stderr: '', exited: null };
  spawned.push(p);
  child.stdout.on('data', (d) => (p.stdout += d));
  child.stderr.on('data', (d) => (p.stderr += d));
  child.on('exit', (code, signal) => (p.exited = code ?? signal));
  const match = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} did not start within ${timeoutMs / 1000} s.\nstdout:\n${p.stdout}\nstderr:\n${p.stderr.slice(-4000)}`)),
      timeoutMs,
    );
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited during startup (${code ?? signal}).\nstdout:\n${p.stdout}\nstderr:\n${p.stderr.slice(-4000)}`));
    });
    const check = () => {
      const m = ready(p.stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(m);
      }
    };
    child.stdout.on('data', check);
  });
  return { p, match };
}

async function startRucheServer(bin, dataDir) {
  ruche = await startRuche(bin, dataDir, {
    env: {
      RUCHE_TRANSCODING_THREADS: '1',
      // Both servers speak plain http on loopback, which Ruche refuses to reach unless told.
      RUCHE_FEDERATION_ALLOW_INSECURE: 'true',
      // A delivery that fails once (e.g. before fedify has the actor's key cached) is retried
      // within seconds, well inside the test's waits.
      RUCHE_FEDERATION_RETRY_BASE_SECS: '1',
      RUCHE_FEDERATION_RETRY_MAX_SECS: '2',
      RUCHE_LOG: process.env.RUCHE_LOG ?? 'info,sqlx=warn',
    },
    onSpawn: (p) => spawned.push(p),
  });
  assert.equal(ruche.url, `http://127.0.0.1:${ruche.port}`, 'Ruche runs at its RUCHE_PUBLIC_URL');
}

async function startAlice() {
  const { p, match } = await spawnUntilReady(
    'the fedify actor',
    process.execPath,
    [ACTOR, '--port', '0', '--name', 'alice', '--log-level', FEDIFY_LOG_LEVEL],
    { cwd: FEDIFY_DIR, env: process.env, ready: (out) => READY.exec(out), timeoutMs: 30_000 },
  );
  const port = Number(match[2]);
  alice = Object.assign(p, {
    id: match[1],
    port,
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
  });
}

/** An ActivityPub document of Ruche's, asked for the way fedify and Mastodon ask. */
async function apGet(pathname) {
  const r = await request(ruche.url + pathname, { headers: { Accept: 'application/activity+json' } });
  assert.equal(r.status, 200, `GET ${pathname} (activity+json): ${r.status} ${r.text.slice(0, 500)}`);
  return r.json;
}

/** A control endpoint of the fedify actor; fails the test unless it answers 200. */
async function control(method, name, body) {
  const r = await request(`${alice.origin}/control/${name}`, { method, json: body });
  assert.equal(
    r.status,
    200,
    `alice ${method} /control/${name} ${body ? JSON.stringify(body) : ''} answered ${r.status}: ${r.text.slice(0, 2000)}`,
  );
  return r.json;
}

/** alice's inbox, shortened to what tells one record from another and why it was judged so. */
function summarize(inbox) {
  return JSON.stringify(inbox.map((a) => ({
    type: a.type,
    id: a.id,
    actor: a.actor,
    object: typeof a.object === 'string' ? a.object : { type: a.object?.type, id: a.object?.id, inReplyTo: a.object?.inReplyTo },
    _inbox: a._inbox,
    _status: a._status,
    _verified: a._verified,
    _httpSignature: a._httpSignature,
    _httpSignatureError: a._httpSignatureError,
    _ldSignature: a._ldSignature,
    _ldSignatureError: a._ldSignatureError,
    _response: a._response,
  })), null, 2);
}

/**
 * Polls `probe` every POLL_MS until it returns a truthy value, for at most `timeoutMs`.
 * On timeout, the error says what was awaited and what `describe()` reports of the last state,
 * so a failure shows the evidence without rerunning. Either server dying ends the wait at once.
 */
function wait(what, probe, describe, timeoutMs = WAIT_MS) {
  return waitFor(what, probe, { describe, timeoutMs, pollMs: POLL_MS, servers: [ruche, alice] });
}

async function describeAliceInbox() {
  return `alice's inbox:\n${summarize(await control('GET', 'inbox'))}`;
}

/** Ruche's followers collection of its channel, read as other servers read it. */
async function channelFollowers() {
  return (await apGet('/video-channels/root_channel/followers')).totalItems;
}

/**
 * What fedify and Mastodon need of any activity Ruche delivers: fedify accepted it (2xx), its
 * HTTP Signature verifies by fedify's own verifyRequest() with a key owned by the activity's
 * actor (Mastodon drops an activity whose signer is not its actor and which has no valid LD
 * signature), and its LD signature verifies when there is one (it is what lets others forward it).
 */
function assertVerified(record, what) {
  const evidence = `${what}: ${summarize([record])}`;
  assert.equal(record._verified, true, `fedify refused ${evidence}`);
  assert.equal(record._httpSignature?.verified, true, `fedify's verifyRequest() rejected the HTTP Signature of ${evidence}`);
  assert.equal(record._httpSignature.owner, idOf(record.actor), `the HTTP Signature of ${evidence} is not by its actor`);
  if (record.signature != null) {
    assert.equal(record._ldSignature, true, `fedify's verifyJsonLd() rejected the LD signature of ${evidence}`);
  }
}

before(tracked(async () => {
  const bin = rucheBin();
  if (!existsSync(path.join(FEDIFY_DIR, 'node_modules', '@fedify', 'fedify'))) {
    throw new Error('The fedify actor is not installed. Run: (cd tests/interop/fedify && npm ci)');
  }
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ruche-fedify-'));
  await mkdir(OUT_DIR, { recursive: true });
  learned.clip = await makeClip(path.join(tmp, 'clip.mp4'));
  await Promise.all([startRucheServer(bin, path.join(tmp, 'data')), startAlice()]);
  token = await getToken(ruche);
}), { timeout: 120_000 });

after(async () => {
  // The inbox and outbox are read before the actor stops, since they live only in its memory.
  if (alice && alice.exited === null) {
    for (const name of ['inbox', 'outbox']) {
      const r = await request(`${alice.origin}/control/${name}`).catch(() => null);
      if (r) await writeFile(path.join(OUT_DIR, `fedify-alice-${name}.json`), r.text).catch(() => {});
    }
  }
  await Promise.all(spawned.map(stopProcess));
  if (ruche) await writeFile(path.join(OUT_DIR, 'fedify-ruche.log'), ruche.stdout + ruche.stderr).catch(() => {});
  if (alice) await writeFile(path.join(OUT_DIR, 'fedify-alice.log'), alice.stderr).catch(() => {});
  if (failed()) {
    if (ruche) {
      console.error(`--- Ruche stderr (last 8000 chars; full log in ${path.join(OUT_DIR, 'fedify-ruche.log')}) ---`);
      console.error(ruche.stderr.slice(-8000));
    }
    if (alice) {
      console.error(`--- fedify actor stderr (last 8000 chars; full log in ${path.join(OUT_DIR, 'fedify-alice.log')}) ---`);
      console.error(alice.stderr.slice(-8000));
    }
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('1. Ruche and the fedify actor are up and see each other', tracked(async () => {
  // Each side's actor document is what the other fetches to check signatures.
  const channel = await apGet('/video-channels/root_channel');
  assert.equal(channel.id, `${ruche.url}/video-channels/root_channel`);
  assert.match(channel.publicKey?.publicKeyPem ?? '', /BEGIN PUBLIC KEY/, 'the channel has a public key');
  const person = await request(alice.id, { headers: { Accept: 'application/activity+json' } });
  assert.equal(person.status, 200, `GET ${alice.id}: ${person.text}`);
  assert.equal(person.json.id, alice.id);
  learned.channelUrl = channel.id;
  learned.accountUrl = `${ruche.url}/accounts/root`;
}));

test('2. alice follows root_channel and Ruche accepts', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'channelUrl')) return;
  const { channelUrl } = learned;
  assert.equal(await channelFollowers(), 0, 'nobody follows the channel yet');

  // alice finds the channel by WebFinger, as Mastodon users do, and fedify sends the Follow.
  const follow = await control('POST', 'follow', { target: `acct:root_channel@${ruche.host}` });
  assert.equal(follow.target, channelUrl, 'WebFinger leads to the channel actor');

  // fedify lists it only once a verified Accept from the channel names alice's Follow.
  await wait(
    `alice's following to list ${channelUrl} (Ruche's Accept)`,
    async () => (await control('GET', 'following')).includes(channelUrl),
    describeAliceInbox,
  );
  const accept = (await control('GET', 'inbox')).find((a) => a.type === 'Accept' && a.actor === channelUrl && a._verified);
  assert.ok(accept, `no verified Accept from ${channelUrl}: ${await describeAliceInbox()}`);
  assertVerified(accept, 'the Accept');
  assert.equal(idOf(accept.object), follow.follow, 'the Accept names alice\'s Follow');

  await wait(
    'Ruche\'s channel followers collection to have totalItems 1',
    async () => (await channelFollowers()) === 1,
    async () => `followers: ${JSON.stringify(await apGet('/video-channels/root_channel/followers'))}`,
  );
  learned.followed = true;
}));

// The upload does not need the follow, so a broken follow still leaves the later steps that do
// not need it (the reply, the like) to report on their own.
test('3. root uploads a clip and it gets published', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'channelUrl')) return;
  // The legacy multipart upload, fields as PeerTube's CLI sends them.
  const { id, uuid } = await uploadClip(ruche, token, learned.clip, VIDEO_NAME);

  let last;
  await wait(
    `GET /api/v1/videos/${id} to say state 1 (published)`,
    async () => {
      last = await api(ruche, `/api/v1/videos/${id}`, { token });
      assert.notEqual(last.json?.state?.id, 7, `transcoding failed: ${last.text}`);
      return last.status === 200 && last.json?.state?.id === 1;
    },
    async () => `last: ${last?.status} ${last?.text.slice(0, 800)}`,
  );
  learned.video = { id, uuid };
  // The Video's ActivityPub id is its stable watch URL; step 4 checks that the Create says so.
  learned.videoApId = `${ruche.url}/videos/watch/${uuid}`;
}));

test('4. alice gets the video\'s Create and the channel\'s Announce, both verified', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'video', 'followed')) return;
  const { uuid } = learned.video;
  const { accountUrl, channelUrl } = learned;

  const create = await wait(
    `a Create{Video} with uuid ${uuid} in alice's inbox`,
    async () => (await control('GET', 'inbox')).find((a) =>
      a.type === 'Create' && a.object?.type === 'Video' && a.object?.uuid === uuid),
    describeAliceInbox,
  );
  assertVerified(create, 'the Create{Video}');
  assert.equal(idOf(create.actor), accountUrl, 'a video is created by its account, as PeerTube does');
  const video = create.object;
  assert.equal(video.id, learned.videoApId, 'the Video\'s id is its stable watch URL');
  // Mastodon links a remote video by the first text/html url.
  const firstUrl = asArray(video.url)[0];
  assert.equal(firstUrl?.mediaType, 'text/html', `the Video's first url is not text/html: ${JSON.stringify(video.url)}`);
  // PeerTube needs both: the account owns the video, the channel holds it.
  const attributedTo = asArray(video.attributedTo).map(idOf);
  assert.ok(attributedTo.includes(accountUrl), `attributedTo lacks the account: ${JSON.stringify(video.attributedTo)}`);
  assert.ok(attributedTo.includes(channelUrl), `attributedTo lacks the channel: ${JSON.stringify(video.attributedTo)}`);

  // Mastodon shows a video to the channel's followers through the channel's Announce.
  const announce = await wait(
    `an Announce by ${channelUrl} of ${video.id} in alice's inbox`,
    async () => (await control('GET', 'inbox')).find((a) =>
      a.type === 'Announce' && idOf(a.actor) === channelUrl && idOf(a.object) === video.id),
    describeAliceInbox,
  );
  assertVerified(announce, 'the Announce');
}));

test('5. alice\'s reply becomes a comment on Ruche', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'videoApId')) return;
  const { uuid } = learned.video;
  const phrase = 'Hello from fedify';
  // fedify signs and delivers it at once, so a refusal by Ruche makes this call answer 502
  // with Ruche's status and body.
  const reply = await control('POST', 'reply', {
    inReplyTo: learned.videoApId,
    content: `<p>${phrase}, root!</p>`,
    to: [learned.accountUrl],
  });

  let last;
  const comment = await wait(
    `alice's comment in GET /api/v1/videos/${uuid}/comment-threads`,
    async () => {
      last = await api(ruche, `/api/v1/videos/${uuid}/comment-threads`);
      return last.json?.data?.find((c) => c.account?.name === 'alice');
    },
    async () => `last: ${last?.status} ${last?.text.slice(0, 1500)}\nalice's outbox: ${JSON.stringify((await control('GET', 'outbox')).map((d) => ({ url: d.url, type: d.body?.type, status: d.status, responseBody: d.responseBody })))}`,
  );
  assert.equal(comment.account.host, alice.host, `the comment's account: ${JSON.stringify(comment.account)}`);
  assert.ok(String(comment.text).includes(phrase), `the comment's text: ${JSON.stringify(comment.text)}`);
  learned.aliceNote = reply.note;
  learned.commentId = comment.id;
}));

test('6. root\'s answer reaches alice as a verified Create{Note} that mentions her', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'commentId', 'aliceNote')) return;
  const { uuid } = learned.video;
  const text = 'Thanks for watching, alice!';
  const r = await api(ruche, `/api/v1/videos/${uuid}/comments/${learned.commentId}`, {
    method: 'POST',
    json: { text },
    token,
  });
  assert.equal(r.status, 200, `POST /api/v1/videos/${uuid}/comments/${learned.commentId}: ${r.text}`);

  const create = await wait(
    `a Create{Note} in reply to ${learned.aliceNote} in alice's inbox`,
    async () => (await control('GET', 'inbox')).find((a) =>
      a.type === 'Create' && a.object?.type === 'Note' && a.object?.inReplyTo === learned.aliceNote),
    describeAliceInbox,
  );
  assertVerified(create, 'the Create{Note}');
  const note = create.object;
  assert.equal(idOf(note.attributedTo), learned.accountUrl, 'root wrote it');
  assert.ok(String(note.content).includes(text), `the Note's content: ${JSON.stringify(note.content)}`);
  // Mastodon notifies alice only if the Note mentions her.
  const mention = asArray(note.tag).find((tag) => tag.type === 'Mention' && tag.href === alice.id);
  assert.ok(mention, `no Mention of ${alice.id} in the Note's tag: ${JSON.stringify(note.tag)}`);
}));

test('7a. alice likes the video and Ruche counts it', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'videoApId')) return;
  const { uuid } = learned.video;
  await control('POST', 'like', { object: learned.videoApId, to: learned.accountUrl });
  let last;
  await wait(
    `GET /api/v1/videos/${uuid} to say likes 1`,
    async () => {
      last = await api(ruche, `/api/v1/videos/${uuid}`);
      return last.json?.likes === 1;
    },
    async () => `last: likes ${JSON.stringify(last?.json?.likes)} (${last?.status})`,
  );
}));

test('7b. alice reports the video (a Flag) and Ruche keeps it for its moderators', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'videoApId')) return;
  const reason = 'Signalé par fedify';
  await control('POST', 'flag', { object: learned.videoApId, to: learned.accountUrl, content: reason });
  let last;
  await wait(
    'GET /api/v1/abuses to list alice\'s report',
    async () => {
      last = await api(ruche, '/api/v1/abuses', { token });
      return (last.json?.data ?? []).some((r) => r.reason === reason);
    },
    async () => `last: ${JSON.stringify(last?.json)} (${last?.status})`,
  );
  const report = last.json.data.find((r) => r.reason === reason);
  assert.equal(report.video?.uuid, learned.video.uuid, 'the video reported');
  assert.equal(report.reporterAccount?.name, 'alice', 'from her account');
  assert.equal(report.state?.id, 1, 'pending');
}));

test('7c. alice unfollows and Ruche drops her from the channel\'s followers', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'followed')) return;
  const undo = await control('POST', 'unfollow', { target: learned.channelUrl });
  assert.equal(undo.target, learned.channelUrl);
  await wait(
    'Ruche\'s channel followers collection to have totalItems 0',
    async () => (await channelFollowers()) === 0,
    async () => `followers: ${JSON.stringify(await apGet('/video-channels/root_channel/followers'))}`,
  );
}));

test('8. alice deletes her account: her comment becomes a tombstone under which root\'s answer stays, her account is gone', { timeout: STEP_TIMEOUT_MS }, tracked(async (t) => {
  if (needs(t, 'commentId')) return;
  const { uuid } = learned.video;
  await control('POST', 'delete-self', { to: learned.accountUrl });
  let last;
  await wait(
    `alice's comment to become a tombstone in GET /api/v1/videos/${uuid}/comment-threads`,
    async () => {
      last = await api(ruche, `/api/v1/videos/${uuid}/comment-threads`);
      const hers = last.json?.data?.find((c) => c.id === learned.commentId);
      return last.status === 200 && hers?.isDeleted === true && hers.text === '' && hers.account === null;
    },
    async () => `last: ${last?.status} ${last?.text.slice(0, 800)}`,
  );
  const thread = await api(ruche, `/api/v1/videos/${uuid}/comment-threads/${learned.commentId}`);
  assert.equal(thread.status, 200, thread.text.slice(0, 300));
  assert.equal(thread.json.children.length, 1, `root's answer stays: ${thread.text.slice(0, 500)}`);
  const account = await api(ruche, `/api/v1/accounts/alice@${alice.host}`);
  assert.equal(account.status, 404, `alice's account: ${account.text.slice(0, 300)}`);
}));
