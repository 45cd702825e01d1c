// A small remote ActivityPub actor built on @fedify/fedify, for Ruche's
// interop tests.
//
// Ruche has to federate with software that nobody on the team wrote, so this
// program lets fedify (not our own code) produce and judge the ActivityPub
// traffic: fedify renders the actor, WebFinger and collections, signs every
// delivery, and verifies every incoming request.  The only code of ours here
// is the glue that a fedify application always has (dispatchers and
// listeners) plus a few JSON control endpoints that let a test drive the
// actor and look at what it received.
//
// Usage: node actor.mjs --port P [--name alice] [--log-level info]
//
// It listens on 127.0.0.1 only and prints exactly one line on stdout when it
// is ready:
//   fedify actor ready at http://127.0.0.1:P/users/alice
// Everything else (fedify's logs, our own) goes to stderr, so that a test can
// read stdout without parsing around log lines.  `--port 0` picks a free port;
// the ready line then tells which one.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import process from "node:process";
import { parseArgs } from "node:util";

import {
  Accept,
  Create,
  createFederation,
  Delete,
  Endpoints,
  Flag,
  Follow,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  isActor,
  Like,
  MemoryKvStore,
  Mention,
  Note,
  parseSemVer,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
  verifyJsonLd,
  verifyRequest,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getLogger } from "@logtape/logtape";

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    name: { type: "string", default: "alice" },
    "log-level": { type: "string", default: process.env.FEDIFY_ACTOR_LOG ?? "info" },
  },
  strict: true,
});

if (args.port == null || !/^\d+$/.test(args.port) || Number(args.port) > 65535) {
  process.stderr.write("usage: node actor.mjs --port P [--name alice] [--log-level info]\n");
  process.exit(2);
}
// The name becomes a URL path segment and a WebFinger user part, so it is
// kept to characters that need no escaping in either.
if (!/^[a-z0-9_]+$/i.test(args.name)) {
  process.stderr.write(`invalid --name ${JSON.stringify(args.name)}: use [A-Za-z0-9_]\n`);
  process.exit(2);
}

const NAME = args.name;
const HOST = "127.0.0.1";
const FEDIFY_VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/@fedify/fedify/package.json", import.meta.url), "utf8"),
).version;

// Logs go to stderr only, because stdout is reserved for the ready line.
await configure({
  sinks: {
    stderr(record) {
      const message = record.message
        .map((part) => (typeof part === "string" ? part : JSON.stringify(part)))
        .join("");
      process.stderr.write(
        `[${NAME}] ${record.level} ${record.category.join("·")}: ${message}\n`,
      );
    },
  },
  filters: {
    // Fedify warns on every delivery that it cannot make an Object Integrity
    // Proof because the actor has no Ed25519 key.  The actor deliberately has
    // only an RSA key (as Mastodon and PeerTube do), so the warning is noise.
    noProofWarning(record) {
      const text = record.message.filter((p) => typeof p === "string").join("");
      return !text.includes("to create a proof for the activity");
    },
  },
  loggers: [
    { category: ["fedify"], sinks: ["stderr"], filters: ["noProofWarning"], lowestLevel: args["log-level"] },
    { category: ["interop"], sinks: ["stderr"], lowestLevel: args["log-level"] },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});
const log = getLogger(["interop", "actor"]);

// ---------------------------------------------------------------------------
// Outgoing HTTP: loopback only, and recorded.
//
// Fedify calls the global fetch() for every WebFinger lookup, document fetch
// and delivery.  Wrapping it does two things.  It makes sure that nothing this
// test actor does can reach beyond the loopback interface, whatever URL a
// remote document hands it (an unknown JSON-LD context, an avatar, an inbox on
// another host).  And it records every delivery (POST) with the exact headers
// fedify signed and the status the receiver answered, so a test can see why
// a delivery to Ruche failed without reading fedify's logs.

const outbox = [];
const realFetch = globalThis.fetch;

function isLoopbackHost(hostname) {
  const h = hostname.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

globalThis.fetch = async function loopbackOnlyFetch(input, init) {
  const request = new Request(input, init);
  const url = new URL(request.url);
  if (!isLoopbackHost(url.hostname)) {
    log.error("Refused a request to {url}: this test actor only talks to loopback.", { url: url.href });
    throw new TypeError(`fedify interop actor: refusing non-loopback URL ${url.href}`);
  }
  if (request.method !== "POST") return await realFetch(request);

  const bodyText = await request.clone().text();
  const entry = {
    at: new Date().toISOString(),
    method: request.method,
    url: request.url,
    requestHeaders: Object.fromEntries(request.headers),
    body: parseJsonOrText(bodyText),
  };
  outbox.push(entry);
  try {
    const response = await realFetch(request);
    entry.status = response.status;
    entry.ok = response.ok;
    entry.responseBody = (await response.clone().text()).slice(0, 2000);
    return response;
  } catch (error) {
    entry.error = String(error?.cause ?? error);
    throw error;
  }
};

function parseJsonOrText(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------
// State kept in memory.  The actor lives as long as one test run, so nothing
// is persisted.

/** Every activity POSTed to alice's inbox or the shared inbox, with verdicts. */
const inbox = [];
let inboxSeq = 0;
// Set when alice deletes herself (`POST /control/delete-self`).
let deleted = false;
/** Follows alice sent, by Follow id: { id, target, follow (Follow) }. */
const sentFollows = new Map();
/** Actors that accepted alice's Follow, by actor id: { actor, follow, accept }. */
const following = new Map();
/** Actors following alice, by actor id: { id, inboxId, endpoints }. */
const followers = new Map();
/** Objects alice published, by local id, so their ids dereference. */
const notes = new Map();
const creates = new Map();
const likes = new Map();
const follows = new Map();

// ---------------------------------------------------------------------------
// HTTP server.  It is started before the federation is built so that
// `--port 0` can learn its port, which the federation's origin needs.

let federation = null;
let origin = null;

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    log.error("Unhandled error for {method} {url}: {error}", { method: req.method, url: req.url, error: String(error?.stack ?? error) });
    if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    else res.end();
  });
});

await new Promise((resolve, reject) => {
  server.once("error", reject);
  // Bound to 127.0.0.1 only: this actor must never be reachable from outside
  // the machine.
  server.listen(Number(args.port), HOST, resolve);
});
const port = server.address().port;
origin = `http://${HOST}:${port}`;

// ---------------------------------------------------------------------------
// The fedify federation.

federation = createFederation({
  kv: new MemoryKvStore(),
  // Incoming activities go through a queue, so that alice answers 202 first
  // and runs her listeners (e.g. sending an Accept) afterwards, as Mastodon
  // does with Sidekiq.  Answering a Follow with an Accept before the Follow's
  // own POST has returned would hide races in the server under test.
  //
  // Outgoing activities have no queue on purpose: fedify then delivers at
  // once, and a failed delivery makes the control request fail with the
  // receiver's status, instead of being retried silently for hours.
  queue: { inbox: new InProcessMessageQueue({ pollInterval: { milliseconds: 200 } }) },
  // Fedify refuses to fetch private and loopback addresses by default
  // (SSRF protection); every peer in these tests is on 127.0.0.1.
  allowPrivateAddress: true,
  // Without a fixed origin fedify builds its URLs from each request's URL;
  // fixing it keeps every id on http://127.0.0.1:P whatever Host a client
  // used, and makes the WebFinger handle alice@127.0.0.1:P.
  origin,
  userAgent: { software: `ruche-interop-fedify-actor/${FEDIFY_VERSION}` },
});

// An RSA key, because RSASSA-PKCS1-v1_5 is what fedify 1.5 signs HTTP
// requests with (draft-cavage rsa-sha256) and what PeerTube-style servers
// verify.  4096 bits is fedify's default.
const rsaKeyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const startedAt = Temporal.Now.instant();

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    // Once deleted, alice is gone (404), as a deleted Mastodon account is.
    if (identifier !== NAME || deleted) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `${identifier} (fedify ${FEDIFY_VERSION} interop actor)`,
      summary: "<p>A remote actor built on fedify, used by Ruche's interop tests.</p>",
      url: ctx.getActorUri(identifier),
      published: startedAt,
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: false,
      discoverable: true,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === NAME ? [rsaKeyPair] : []));

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== NAME) return null;
    return { items: [...followers.values()] };
  })
  .setCounter((_ctx, identifier) => (identifier === NAME ? followers.size : null));

federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    if (identifier !== NAME) return null;
    return { items: [...following.keys()].map((id) => new URL(id)) };
  })
  .setCounter((_ctx, identifier) => (identifier === NAME ? following.size : null));

federation
  .setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
    if (identifier !== NAME) return null;
    return { items: [...creates.values()].reverse() };
  })
  .setCounter((_ctx, identifier) => (identifier === NAME ? creates.size : null));

// Everything alice sends has a dereferenceable id, because servers re-fetch
// objects (a reply's Note, a Follow named by id in an Accept) to check them.
federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (_ctx, v) =>
  v.identifier === NAME ? (notes.get(v.id) ?? null) : null);
federation.setObjectDispatcher(Create, "/users/{identifier}/notes/{id}/activity", (_ctx, v) =>
  v.identifier === NAME ? (creates.get(v.id) ?? null) : null);
federation.setObjectDispatcher(Follow, "/users/{identifier}/follows/{id}", (_ctx, v) =>
  v.identifier === NAME ? (follows.get(v.id) ?? null) : null);
federation.setObjectDispatcher(Like, "/users/{identifier}/likes/{id}", (_ctx, v) =>
  v.identifier === NAME ? (likes.get(v.id) ?? null) : null);

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: {
    name: "fedify-interop-actor",
    version: parseSemVer(FEDIFY_VERSION),
  },
  protocols: ["activitypub"],
  usage: {
    users: { total: 1, activeHalfyear: 1, activeMonth: 1 },
    localPosts: notes.size,
    localComments: 0,
  },
}));

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    // Someone follows alice: accept at once, as an unlocked Mastodon account
    // would, embedding the Follow as Mastodon and PeerTube do.
    if (follow.objectId?.href !== ctx.getActorUri(NAME).href) return;
    const follower = await follow.getActor(ctx);
    if (follower?.id == null || follower.inboxId == null) {
      log.warn("Ignored a Follow whose actor could not be dereferenced: {id}", { id: follow.id?.href });
      return;
    }
    followers.set(follower.id.href, {
      id: follower.id,
      inboxId: follower.inboxId,
      endpoints: follower.endpoints,
    });
    const accept = new Accept({
      id: new URL(`#accepts/${randomUUID()}`, ctx.getActorUri(NAME)),
      actor: ctx.getActorUri(NAME),
      object: follow,
      to: follower.id,
    });
    await deliverFromListener(ctx, follower, accept);
  })
  .on(Undo, async (ctx, undo) => {
    const object = await undo.getObject(ctx);
    if (object instanceof Follow && undo.actorId != null &&
        object.actorId?.href === undo.actorId.href) {
      followers.delete(undo.actorId.href);
    }
  })
  .on(Accept, async (ctx, accept) => {
    const sent = await matchSentFollow(ctx, accept);
    if (sent == null) {
      log.warn("Accept {id} does not match a Follow alice sent; not counted.", { id: accept.id?.href });
      return;
    }
    following.set(sent.target, { actor: sent.target, follow: sent.id, accept: accept.id?.href ?? null });
  })
  .on(Reject, async (ctx, reject) => {
    const sent = await matchSentFollow(ctx, reject);
    if (sent != null) following.delete(sent.target);
  })
  .onError((_ctx, error) => {
    log.error("Inbox listener failed: {error}", { error: String(error?.stack ?? error) });
  });

// An Accept (or Reject) counts only if it comes from the actor alice followed
// and names a Follow she sent, either by id or by embedding it; a server that
// answers with some other object should fail the test, not pass it.
async function matchSentFollow(ctx, response) {
  const responder = response.actorId?.href;
  if (responder == null) return null;
  const byId = sentFollows.get(response.objectId?.href);
  if (byId != null) return byId.target === responder ? byId : null;
  let object = null;
  try {
    object = await response.getObject(ctx);
  } catch (error) {
    log.warn("Could not get the object of {id}: {error}", { id: response.id?.href, error: String(error) });
  }
  if (!(object instanceof Follow)) return null;
  if (object.actorId?.href !== ctx.getActorUri(NAME).href || object.objectId?.href !== responder) return null;
  for (const sent of [...sentFollows.values()].reverse()) {
    if (sent.target === responder) return sent;
  }
  return null;
}

// A delivery that a listener makes (an Accept) is logged rather than thrown,
// because a throw would make fedify retry the whole listener with backoff,
// and the outbox log already shows the failed delivery to the test.
async function deliverFromListener(ctx, recipient, activity) {
  try {
    await ctx.sendActivity({ identifier: NAME }, recipient, activity, { immediate: true });
  } catch (error) {
    log.error("Delivering {id} to {to} failed: {error}", { id: activity.id?.href, to: recipient.id?.href, error: String(error) });
  }
}

// ---------------------------------------------------------------------------
// Request handling.

const SHARED_INBOX = "/inbox";
const PERSONAL_INBOX = `/users/${NAME}/inbox`;

async function handle(req, res) {
  const url = new URL(req.url, origin);
  const body = req.method === "GET" || req.method === "HEAD" ? null : await readBody(req);

  if (federation == null) return sendJson(res, 503, { error: "starting" });
  if (url.pathname.startsWith("/control/")) {
    return await handleControl(req.method, url.pathname, body, res);
  }

  const request = toFetchRequest(req, url, body);
  const isInboxPost = req.method === "POST" &&
    (url.pathname === SHARED_INBOX || url.pathname === PERSONAL_INBOX);
  let record = null;
  if (isInboxPost) record = await inspectIncoming(request, url, body);

  const response = await federation.fetch(request, { contextData: undefined });

  if (record != null) {
    // Fedify answers 2xx only after the activity passed its checks: a Linked
    // Data signature, an Object Integrity Proof or an HTTP Signature verified,
    // and (for an HTTP Signature) the key belongs to the activity's actor.
    // Anything else it answers with 4xx (401 for a bad or missing signature).
    record._status = response.status;
    record._verified = response.status >= 200 && response.status < 300;
    if (!record._verified) record._response = (await response.clone().text()).slice(0, 500);
    insertInboxRecord(record);
  }
  await sendFetchResponse(res, response);
}

// Records an incoming activity as received, with our own look at its
// signatures.  Fedify checks a Linked Data signature first and skips the HTTP
// Signature entirely when that one verifies, so its verdict alone would not
// tell whether the HTTP Signature of the server under test was good.  This
// runs fedify's own verifyRequest() and verifyJsonLd() separately so that a
// test can check each.
async function inspectIncoming(request, url, body) {
  const seq = inboxSeq++;
  const text = body.toString("utf8");
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  const record = json != null && typeof json === "object" && !Array.isArray(json)
    ? { ...json }
    : { _raw: text };
  Object.defineProperty(record, "_seq", { value: seq, enumerable: false });
  record._receivedAt = new Date().toISOString();
  record._inbox = url.pathname === SHARED_INBOX ? "shared" : "personal";
  record._headers = pickHeaders(request.headers, [
    "host", "date", "digest", "content-type", "signature", "signature-input", "content-digest", "user-agent",
  ]);

  const ctx = federation.createContext(new URL(origin), undefined);
  let httpKey = null;
  try {
    httpKey = await verifyRequest(request.clone(), {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    });
  } catch (error) {
    record._httpSignatureError = String(error);
  }
  record._httpSignature = { verified: httpKey != null, keyId: httpKey?.id?.href ?? null, owner: httpKey?.ownerId?.href ?? null };

  if (json?.signature != null) {
    try {
      record._ldSignature = await verifyJsonLd(json, {
        documentLoader: ctx.documentLoader,
        contextLoader: ctx.contextLoader,
      });
    } catch (error) {
      record._ldSignature = false;
      record._ldSignatureError = String(error);
    }
  } else {
    record._ldSignature = null;
  }
  return record;
}

function insertInboxRecord(record) {
  // Verdicts can finish out of order; the list stays in order of arrival.
  let i = inbox.length;
  while (i > 0 && inbox[i - 1]._seq > record._seq) i--;
  inbox.splice(i, 0, record);
}

function pickHeaders(headers, names) {
  const out = {};
  for (const name of names) {
    const value = headers.get(name);
    if (value != null) out[name] = value;
  }
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      // A test peer has no reason to send megabytes; refusing keeps a
      // misbehaving server from filling this process's memory.
      if (size > 8 * 1024 * 1024) {
        reject(new Error("request body over 8 MiB"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function toFetchRequest(req, url, body) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  // The request's URL is built on the fixed origin, while the Host header
  // stays as the client sent it, because draft-cavage signatures usually
  // cover "host" and fedify reads it from the header when verifying.
  return new Request(new URL(url.pathname + url.search, origin), {
    method: req.method,
    headers,
    body: body == null || body.length === 0 ? undefined : body,
  });
}

async function sendFetchResponse(res, response) {
  const headers = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const payload = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(payload);
}

function sendJson(res, status, value) {
  const payload = JSON.stringify(value, null, 2);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(payload);
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// ---------------------------------------------------------------------------
// Control endpoints, for the tests.

async function handleControl(method, path, body, res) {
  let input = {};
  if (body != null && body.length > 0) {
    try {
      input = JSON.parse(body.toString("utf8"));
    } catch {
      return sendJson(res, 400, { error: "request body is not JSON" });
    }
  }
  const routes = {
    "POST /control/follow": controlFollow,
    "POST /control/unfollow": controlUnfollow,
    "POST /control/reply": controlReply,
    "POST /control/like": controlLike,
    "POST /control/flag": controlFlag,
    "POST /control/delete-self": controlDeleteSelf,
    "GET /control/inbox": () => inbox,
    "GET /control/following": () => [...following.keys()],
    "GET /control/followers": () => [...followers.keys()],
    "GET /control/outbox": () => outbox,
  };
  const route = routes[`${method} ${path}`];
  if (route == null) return sendJson(res, 404, { error: `no control endpoint ${method} ${path}` });
  try {
    return sendJson(res, 200, await route(input));
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 502;
    log.error("{method} {path} failed: {error}", { method, path, error: String(error?.stack ?? error) });
    return sendJson(res, status, { error: String(error?.message ?? error) });
  }
}

function controlContext() {
  return federation.createContext(new URL(origin), undefined);
}

function requireString(input, key) {
  const value = input[key];
  if (typeof value !== "string" || value === "") {
    throw new HttpError(400, `"${key}" must be a non-empty string`);
  }
  return value;
}

// Turns "acct:bob@host:port", "bob@host:port", "@bob@host:port" or an actor
// URL into a fedify Actor.
async function resolveActor(ctx, target) {
  let actorUrl;
  if (/^https?:\/\//i.test(target)) {
    actorUrl = target;
  } else {
    const m = /^(?:acct:)?@?([^@\s/]+)@([^@\s/]+)$/.exec(target);
    if (m == null) throw new HttpError(400, `target must be acct:name@host[:port] or an actor URL, got ${JSON.stringify(target)}`);
    actorUrl = await webfingerOverHttp(m[1], m[2]);
  }
  const object = await ctx.lookupObject(actorUrl);
  if (!isActor(object)) {
    throw new HttpError(502, `${actorUrl} did not dereference to an ActivityPub actor`);
  }
  if (object.id == null || object.inboxId == null) {
    throw new HttpError(502, `actor ${actorUrl} has no id or no inbox`);
  }
  return object;
}

// Fedify 1.5's lookupWebFinger() and lookupObject() always query
// https://host/.well-known/webfinger for an acct: handle, and nothing in these
// tests serves https, so the WebFinger step for a handle is done here over
// plain http, the way a server configured for http would do it.  The actor
// document it points to is then fetched by fedify.
async function webfingerOverHttp(user, host) {
  const resource = `acct:${user}@${host}`;
  const url = new URL(`http://${host}/.well-known/webfinger`);
  url.searchParams.set("resource", resource);
  const response = await fetch(url, { headers: { accept: "application/jrd+json, application/json" } });
  if (!response.ok) throw new HttpError(502, `WebFinger ${url.href} answered ${response.status}`);
  const jrd = await response.json();
  const self = (jrd.links ?? []).find((link) =>
    link.rel === "self" && typeof link.href === "string" &&
    /^application\/(activity\+json|ld\+json)/.test(link.type ?? ""));
  if (self == null) throw new HttpError(502, `WebFinger for ${resource} has no rel=self ActivityPub link`);
  return self.href;
}

async function controlFollow(input) {
  const ctx = controlContext();
  const target = await resolveActor(ctx, requireString(input, "target"));
  const localId = randomUUID();
  const follow = new Follow({
    id: ctx.getObjectUri(Follow, { identifier: NAME, id: localId }),
    actor: ctx.getActorUri(NAME),
    object: target.id,
  });
  follows.set(localId, follow);
  // Registered before sending, because the Accept may come back before the
  // Follow's POST has returned.
  sentFollows.set(follow.id.href, { id: follow.id.href, target: target.id.href, follow });
  await ctx.sendActivity({ identifier: NAME }, target, follow, { immediate: true });
  return { follow: follow.id.href, target: target.id.href };
}

async function controlUnfollow(input) {
  const ctx = controlContext();
  const target = await resolveActor(ctx, requireString(input, "target"));
  const sent = [...sentFollows.values()].reverse().find((s) => s.target === target.id.href);
  if (sent == null) throw new HttpError(409, `alice never followed ${target.id.href}`);
  const undo = new Undo({
    id: new URL(`#undos/${randomUUID()}`, ctx.getActorUri(NAME)),
    actor: ctx.getActorUri(NAME),
    // Embedded, as Mastodon does, so the receiver need not fetch it.
    object: sent.follow,
  });
  await ctx.sendActivity({ identifier: NAME }, target, undo, { immediate: true });
  following.delete(target.id.href);
  return { undo: undo.id.href, follow: sent.id, target: target.id.href };
}

// alice deletes her account, as Mastodon does: a Delete of herself, signed with her key, sent
// to `to`; her document answers 404 from then on.
async function controlDeleteSelf(input) {
  const ctx = controlContext();
  const recipient = await resolveActor(ctx, requireString(input, "to"));
  const del = new Delete({
    id: new URL(`#delete`, ctx.getActorUri(NAME)),
    actor: ctx.getActorUri(NAME),
    object: ctx.getActorUri(NAME),
    to: PUBLIC_COLLECTION,
  });
  deleted = true;
  await ctx.sendActivity({ identifier: NAME }, recipient, del, { immediate: true });
  return { delete: del.id.href };
}

function handleOf(actor) {
  return `@${actor.preferredUsername ?? "unknown"}@${actor.id.host}`;
}

async function controlReply(input) {
  const ctx = controlContext();
  const inReplyTo = requireString(input, "inReplyTo");
  const content = requireString(input, "content");
  if (!Array.isArray(input.to) || input.to.length === 0) {
    throw new HttpError(400, `"to" must be a non-empty array of actor URLs or handles`);
  }
  const recipients = [];
  for (const target of input.to) {
    if (typeof target !== "string") throw new HttpError(400, `"to" entries must be strings`);
    recipients.push(await resolveActor(ctx, target));
  }
  const localId = randomUUID();
  const published = Temporal.Now.instant();
  // Addressed as the brief asks: to the mentioned actors and Public, cc
  // alice's followers, with a Mention tag per actor, like a Mastodon reply.
  const tos = [PUBLIC_COLLECTION, ...recipients.map((a) => a.id)];
  const ccs = [ctx.getFollowersUri(NAME)];
  const note = new Note({
    id: ctx.getObjectUri(Note, { identifier: NAME, id: localId }),
    attribution: ctx.getActorUri(NAME),
    replyTarget: new URL(inReplyTo),
    content,
    published,
    url: ctx.getObjectUri(Note, { identifier: NAME, id: localId }),
    tos,
    ccs,
    tags: recipients.map((a) => new Mention({ href: a.id, name: handleOf(a) })),
    sensitive: false,
  });
  const create = new Create({
    id: ctx.getObjectUri(Create, { identifier: NAME, id: localId }),
    actor: ctx.getActorUri(NAME),
    object: note,
    published,
    tos,
    ccs,
  });
  notes.set(localId, note);
  creates.set(localId, create);
  await ctx.sendActivity({ identifier: NAME }, recipients, create, {
    immediate: true,
    preferSharedInbox: input.sharedInbox === true,
  });
  return { note: note.id.href, create: create.id.href };
}

async function controlLike(input) {
  const ctx = controlContext();
  const object = requireString(input, "object");
  const recipient = await resolveActor(ctx, requireString(input, "to"));
  const localId = randomUUID();
  // No addressing, like Mastodon's Like: the recipient is who it is sent to.
  const like = new Like({
    id: ctx.getObjectUri(Like, { identifier: NAME, id: localId }),
    actor: ctx.getActorUri(NAME),
    object: new URL(object),
  });
  likes.set(localId, like);
  await ctx.sendActivity({ identifier: NAME }, recipient, like, { immediate: true });
  return { like: like.id.href };
}

async function controlFlag(input) {
  const ctx = controlContext();
  const object = requireString(input, "object");
  const content = requireString(input, "content");
  const recipient = await resolveActor(ctx, requireString(input, "to"));
  const localId = randomUUID();
  // As Mastodon reports: the things reported as a list, addressed to their owner.
  const flag = new Flag({
    id: new URL(`/flags/${localId}`, ctx.getActorUri(NAME)),
    actor: ctx.getActorUri(NAME),
    objects: [new URL(object)],
    content,
    to: recipient.id,
  });
  await ctx.sendActivity({ identifier: NAME }, recipient, flag, { immediate: true });
  return { flag: flag.id.href };
}

// ---------------------------------------------------------------------------

function shutdown() {
  server.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

log.info("fedify {version} on Node {node}", { version: FEDIFY_VERSION, node: process.version });
process.stdout.write(`fedify actor ready at ${origin}/users/${NAME}\n`);
