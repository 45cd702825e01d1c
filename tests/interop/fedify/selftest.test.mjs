// Self-test of the fedify interop actor: two copies of actor.mjs federate with
// each other over loopback before either meets Ruche.
//
// Run with: node --test tests/interop/fedify/selftest.test.mjs
// (node --test tests/interop/ runs it too, beside the tests against Ruche.)
//
// If this passes, a later failure between the actor and Ruche points at Ruche
// (or at a real incompatibility), not at the actor's own setup.  Each check
// looks at what fedify itself decided (its 202 or 401, its Accept listener),
// and one check feeds the actor a tampered delivery to show that the
// verification it reports can come out false.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";

const ACTOR = new URL("./actor.mjs", import.meta.url).pathname;
// Fedify 1.5 compacts the Public collection to "as:Public" in outgoing JSON;
// the three spellings are the same IRI under the ActivityStreams context.
const PUBLIC_FORMS = ["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"];
const READY = /^fedify actor ready at (http:\/\/127\.0\.0\.1:(\d+)\/users\/(\w+))$/;

// Starts one actor on a free port (--port 0, so there is no race between
// picking a port and binding it) and waits for its ready line.
async function startActor(name) {
  const child = spawn(process.execPath, [ACTOR, "--port", "0", "--name", name], {
    cwd: new URL(".", import.meta.url).pathname,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const actor = { name, child, stderr: "", stdoutLines: [] };
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    actor.stderr += chunk;
  });
  child.stdout.setEncoding("utf8");
  let buffered = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after 60 s:\n${actor.stderr}`)), 60_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (code ${code}, signal ${signal}):\n${actor.stderr}`));
    });
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        actor.stdoutLines.push(line);
        const m = READY.exec(line);
        if (m != null) {
          clearTimeout(timer);
          resolve(m);
        }
      }
    });
  });
  const m = await ready;
  actor.id = m[1];
  actor.port = Number(m[2]);
  actor.origin = `http://127.0.0.1:${actor.port}`;
  actor.handle = `acct:${name}@127.0.0.1:${actor.port}`;
  assert.equal(m[3], name);
  return actor;
}

async function stopActor(actor) {
  if (actor?.child == null || actor.child.exitCode != null) return;
  actor.child.kill("SIGTERM");
  await once(actor.child, "exit");
}

async function control(actor, method, path, body) {
  const response = await fetch(`${actor.origin}/control/${path}`, {
    method,
    headers: body == null ? {} : { "content-type": "application/json" },
    body: body == null ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  return { status: response.status, json };
}

async function controlOk(actor, method, path, body) {
  const { status, json } = await control(actor, method, path, body);
  assert.equal(status, 200, `${actor.name} ${method} /control/${path} answered ${status}: ${JSON.stringify(json)}\n${actor.stderr}`);
  return json;
}

// Polls until check() returns a truthy value, since deliveries and the
// actors' inbox queues finish after the control request has returned.
async function waitFor(description, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${description}`);
}

async function getJsonLd(url) {
  const response = await fetch(url, { headers: { accept: "application/activity+json" } });
  assert.equal(response.status, 200, `GET ${url} answered ${response.status}`);
  return await response.json();
}

function asArray(value) {
  return value == null ? [] : Array.isArray(value) ? value : [value];
}

function idOf(value) {
  return typeof value === "string" ? value : value?.id;
}

describe("fedify interop actor, two copies over loopback", { timeout: 180_000 }, () => {
  let alice;
  let bob;
  let followId;
  let reply;

  before(async () => {
    [alice, bob] = await Promise.all([startActor("alice"), startActor("bob")]);
  });

  after(async () => {
    await Promise.all([stopActor(alice), stopActor(bob)]);
  });

  test("serves a Person with an RSA key, WebFinger and a followers collection", async () => {
    const person = await getJsonLd(alice.id);
    assert.equal(person.id, alice.id);
    assert.equal(person.type, "Person");
    assert.equal(person.preferredUsername, "alice");
    assert.equal(person.inbox, `${alice.id}/inbox`);
    assert.equal(person.endpoints?.sharedInbox, `${alice.origin}/inbox`);
    assert.equal(person.followers, `${alice.id}/followers`);
    assert.equal(person.publicKey?.id, `${alice.id}#main-key`);
    assert.equal(person.publicKey?.owner, alice.id);
    assert.match(person.publicKey?.publicKeyPem ?? "", /^-----BEGIN PUBLIC KEY-----/);

    const wf = await fetch(`${alice.origin}/.well-known/webfinger?resource=${encodeURIComponent(alice.handle)}`);
    assert.equal(wf.status, 200);
    const jrd = await wf.json();
    assert.equal(jrd.subject, alice.handle);
    assert.ok(jrd.links.some((l) => l.rel === "self" && l.href === alice.id && l.type === "application/activity+json"));

    const followers = await getJsonLd(person.followers);
    assert.equal(followers.type, "OrderedCollection");
    assert.equal(followers.totalItems, 0);
  });

  test("bob follows alice by handle and fedify's Accept comes back", async () => {
    const follow = await controlOk(bob, "POST", "follow", { target: alice.handle });
    assert.equal(follow.target, alice.id);
    assert.ok(follow.follow.startsWith(`${bob.id}/follows/`), follow.follow);
    followId = follow.follow;

    const following = await waitFor("bob's following to list alice", async () => {
      const list = await controlOk(bob, "GET", "following");
      return list.includes(alice.id) ? list : null;
    });
    assert.deepEqual(following, [alice.id]);

    const aliceInbox = await controlOk(alice, "GET", "inbox");
    const received = aliceInbox.find((a) => a.type === "Follow" && a.id === followId);
    assert.ok(received, `alice's inbox has no Follow ${followId}: ${JSON.stringify(aliceInbox)}`);
    assert.equal(received.actor, bob.id);
    assert.equal(received.object, alice.id);
    assert.equal(received._verified, true);
    assert.equal(received._status, 202);
    // Checked on its own because fedify accepts an activity whose Linked Data
    // signature verifies without looking at the HTTP Signature at all; a
    // broken HTTP Signature would still get a 202.
    assert.equal(received._httpSignature.verified, true);
    assert.equal(received._httpSignature.keyId, `${bob.id}#main-key`);

    const bobInbox = await controlOk(bob, "GET", "inbox");
    const accept = bobInbox.find((a) => a.type === "Accept");
    assert.ok(accept, `bob's inbox has no Accept: ${JSON.stringify(bobInbox)}`);
    assert.equal(accept.actor, alice.id);
    assert.equal(idOf(accept.object), followId);
    assert.equal(accept._verified, true);
    assert.equal(accept._httpSignature.verified, true);

    const aliceFollowers = await controlOk(alice, "GET", "followers");
    assert.deepEqual(aliceFollowers, [bob.id]);
    const collection = await getJsonLd(`${alice.id}/followers`);
    assert.equal(collection.totalItems, 1);
  });

  test("bob's reply reaches alice as a verified Create{Note}", async () => {
    const inReplyTo = `${alice.origin}/videos/watch/0f1e2d3c`;
    const content = `<p><span class="h-card"><a href="${alice.id}" class="u-url mention">@<span>alice</span></a></span> nice video</p>`;
    reply = await controlOk(bob, "POST", "reply", { inReplyTo, content, to: [alice.id] });
    assert.ok(reply.note.startsWith(`${bob.id}/notes/`), reply.note);
    assert.equal(reply.create, `${reply.note}/activity`);

    const create = await waitFor("the Create in alice's inbox", async () => {
      const list = await controlOk(alice, "GET", "inbox");
      return list.find((a) => a.type === "Create" && a.id === reply.create);
    });
    if (process.env.SELFTEST_DUMP) process.stderr.write(`${JSON.stringify(create, null, 2)}\n`);
    assert.equal(create._verified, true, JSON.stringify(create));
    assert.equal(create._status, 202);
    assert.equal(create._httpSignature.verified, true);
    assert.equal(create._ldSignature, true);
    assert.equal(create.actor, bob.id);
    assert.equal(create._inbox, "personal");

    // The draft-cavage signature covers the request target, the body digest
    // and the date, which is what PeerTube-style receivers require.
    const sig = create._headers.signature;
    assert.match(sig, /algorithm="rsa-sha256"/);
    const signed = /headers="([^"]+)"/.exec(sig)[1].split(" ");
    for (const h of ["(request-target)", "host", "date", "digest"]) assert.ok(signed.includes(h), `${h} not signed: ${sig}`);
    assert.match(create._headers.digest, /^SHA-256=/);

    const note = create.object;
    assert.equal(note.type, "Note");
    assert.equal(note.id, reply.note);
    assert.equal(note.attributedTo, bob.id);
    assert.equal(note.inReplyTo, inReplyTo);
    assert.equal(note.content, content);
    const to = asArray(note.to);
    assert.equal(to.length, 2, JSON.stringify(to));
    assert.ok(to.includes(alice.id), JSON.stringify(to));
    assert.ok(to.some((x) => PUBLIC_FORMS.includes(x)), JSON.stringify(to));
    assert.deepEqual(asArray(create.to), to);
    assert.deepEqual(asArray(create.cc), asArray(note.cc));
    assert.deepEqual(asArray(note.cc), [`${bob.id}/followers`]);
    const mention = asArray(note.tag).find((t) => t.type === "Mention");
    assert.equal(mention?.href, alice.id);
    assert.equal(mention?.name, `@alice@127.0.0.1:${alice.port}`);

    // The Note dereferences at its id, as a receiver may re-fetch it.
    const fetched = await getJsonLd(reply.note);
    assert.equal(fetched.id, reply.note);
    assert.equal(fetched.content, content);
  });

  test("a tampered delivery is rejected and recorded as unverified", async () => {
    // Replays bob's real signed delivery of the Create with one word of the
    // body changed.  The Signature and Digest headers are bob's genuine ones,
    // so only real verification can tell the difference.
    const outbox = await controlOk(bob, "GET", "outbox");
    const delivery = outbox.find((d) => d.body?.id === reply.create);
    assert.ok(delivery, "bob's outbox log has the Create delivery");
    assert.equal(delivery.status, 202);
    const tamperedBody = JSON.stringify(delivery.body).replace("nice video", "nasty video");
    assert.notEqual(tamperedBody, JSON.stringify(delivery.body));
    const headers = { ...delivery.requestHeaders };
    delete headers["content-length"];
    const response = await fetch(delivery.url, { method: "POST", headers, body: tamperedBody });
    assert.equal(response.status, 401);

    const unsigned = await fetch(`${alice.origin}/inbox`, {
      method: "POST",
      headers: { "content-type": "application/activity+json" },
      body: JSON.stringify({
        "@context": "https://www.w3.org/ns/activitystreams",
        id: `${bob.id}#forged`,
        type: "Like",
        actor: bob.id,
        object: alice.id,
      }),
    });
    assert.equal(unsigned.status, 401);

    const inbox = await controlOk(alice, "GET", "inbox");
    const tampered = inbox.find((a) => a.id === reply.create && a._verified === false);
    assert.ok(tampered, "the tampered Create is recorded with _verified false");
    assert.equal(tampered._status, 401);
    assert.equal(tampered._httpSignature.verified, false);
    assert.equal(tampered._ldSignature, false);
    const forged = inbox.find((a) => a.id === `${bob.id}#forged`);
    assert.equal(forged?._verified, false);
    assert.equal(forged?._inbox, "shared");
    // Oldest first: the genuine Create came before the tampered copy.
    const genuineAt = inbox.findIndex((a) => a.id === reply.create && a._verified === true);
    assert.ok(genuineAt >= 0 && genuineAt < inbox.indexOf(tampered));
  });

  test("bob likes the note's parent and alice gets a verified Like", async () => {
    const object = `${alice.origin}/videos/watch/0f1e2d3c`;
    const { like } = await controlOk(bob, "POST", "like", { object, to: alice.handle });
    const received = await waitFor("the Like in alice's inbox", async () => {
      const list = await controlOk(alice, "GET", "inbox");
      return list.find((a) => a.type === "Like" && a.id === like);
    });
    assert.equal(received.object, object);
    assert.equal(received._verified, true);
    assert.equal(received._httpSignature.verified, true);
  });

  test("bob unfollows alice with Undo{Follow}", async () => {
    const undo = await controlOk(bob, "POST", "unfollow", { target: alice.id });
    assert.equal(undo.follow, followId);
    assert.deepEqual(await controlOk(bob, "GET", "following"), []);
    await waitFor("alice to drop bob from her followers", async () =>
      (await controlOk(alice, "GET", "followers")).length === 0);
    const inbox = await controlOk(alice, "GET", "inbox");
    const received = inbox.find((a) => a.type === "Undo" && a.id === undo.undo);
    assert.equal(idOf(received?.object), followId);
    assert.equal(received?._verified, true);
    assert.equal(received?._httpSignature.verified, true);
  });

  test("refuses to fetch anything off loopback", async () => {
    // 0.0.0.0 is not a loopback address by the actor's rule, and even if the
    // guard were broken a connection to it would stay on this machine.
    const { status, json } = await control(bob, "POST", "follow", { target: "http://0.0.0.0:9/users/nobody" });
    assert.equal(status, 502, JSON.stringify(json));
    await waitFor("bob to log the refusal", () => bob.stderr.includes("Refused a request to http://0.0.0.0:9/users/nobody"), 5_000);
  });

  test("stdout carries only the ready line", () => {
    assert.deepEqual(alice.stdoutLines, [`fedify actor ready at ${alice.id}`]);
    assert.deepEqual(bob.stdoutLines, [`fedify actor ready at ${bob.id}`]);
  });
});
