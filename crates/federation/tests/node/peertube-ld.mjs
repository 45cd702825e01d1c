// Signs, verifies and canonicalises JSON-LD documents the way PeerTube 8 does (RsaSignature2017,
// server/core/helpers/peertube-jsonld.ts), so that the Rust implementation in
// crates/federation/src/ld.rs can be checked against the reference implementation: the `jsonld`
// package at the version PeerTube pins, and Node's own crypto.
//
// Protocol: a JSON array of requests on stdin, a JSON array of answers on stdout, in the same order.
//   {"op": "canon", "doc": {...}}                              -> {"ok": true, "nquads": "..."}
//   {"op": "sign", "doc": {...}, "privateKeyPem": "...", "creator": "...", "created": "..."}
//                                                              -> {"ok": true, "doc": {...}}
//   {"op": "verify", "doc": {...}, "publicKeyPem": "..."}      -> {"ok": true, "verified": bool}
// A request that throws answers {"ok": false, "error": "..."}.
//
// The one deliberate difference from PeerTube: its document loader fetches unknown contexts from
// the network (caching them) and only ships security/v1 offline. Tests must not reach the
// internet, so this loader serves the same offline copies the Rust crate embeds and refuses
// anything else.

import { createHash, createSign, createVerify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import jsonld from 'jsonld'

const here = dirname(fileURLToPath(import.meta.url))
const contextsDir = join(here, '..', '..', 'src', 'contexts')

const OFFLINE = {
  'https://www.w3.org/ns/activitystreams': 'activitystreams.jsonld',
  'https://w3id.org/security/v1': 'security-v1.jsonld',
  'https://w3id.org/identity/v1': 'identity-v1.jsonld'
}

const cache = new Map()

async function documentLoader (url) {
  const file = OFFLINE[url]
  if (!file) throw new Error(`refusing to load the remote context ${url}`)
  if (!cache.has(url)) cache.set(url, JSON.parse(readFileSync(join(contextsDir, file), 'utf8')))
  return { contextUrl: null, document: cache.get(url), documentUrl: url }
}

// PeerTube's getAllContext() (server/core/helpers/activity-pub-utils.ts): the two base contexts
// and one object merging every type-specific term, the first definition of a term winning. The
// verifier compacts incoming activities with it before hashing them.
const allContext = [
  'https://www.w3.org/ns/activitystreams',
  'https://w3id.org/security/v1',
  {
    RsaSignature2017: 'https://w3id.org/security#RsaSignature2017',
    pt: 'https://joinpeertube.org/ns#',
    sc: 'http://schema.org/',
    Hashtag: 'as:Hashtag',
    category: 'sc:category',
    licence: 'sc:license',
    subtitleLanguage: 'sc:subtitleLanguage',
    automaticallyGenerated: 'pt:automaticallyGenerated',
    sensitive: 'as:sensitive',
    language: 'sc:inLanguage',
    identifier: 'sc:identifier',
    isLiveBroadcast: 'sc:isLiveBroadcast',
    liveSaveReplay: { '@type': 'sc:Boolean', '@id': 'pt:liveSaveReplay' },
    permanentLive: { '@type': 'sc:Boolean', '@id': 'pt:permanentLive' },
    latencyMode: { '@type': 'sc:Number', '@id': 'pt:latencyMode' },
    dvrWindow: { '@type': 'sc:Duration', '@id': 'pt:dvrWindow' },
    Infohash: 'pt:Infohash',
    SensitiveTag: 'pt:SensitiveTag',
    tileWidth: { '@type': 'sc:Number', '@id': 'pt:tileWidth' },
    tileHeight: { '@type': 'sc:Number', '@id': 'pt:tileHeight' },
    tileDuration: { '@type': 'sc:Number', '@id': 'pt:tileDuration' },
    aspectRatio: { '@type': 'sc:Float', '@id': 'pt:aspectRatio' },
    uuid: { '@type': 'sc:identifier', '@id': 'pt:uuid' },
    originallyPublishedAt: 'sc:datePublished',
    schedules: 'sc:eventSchedule',
    startDate: 'sc:startDate',
    embedUrl: 'sc:embedUrl',
    uploadDate: 'sc:uploadDate',
    hasParts: 'sc:hasParts',
    playerSettings: 'pt:playerSettings',
    views: { '@type': 'sc:Number', '@id': 'pt:views' },
    downloads: { '@type': 'sc:Number', '@id': 'pt:downloads' },
    state: { '@type': 'sc:Number', '@id': 'pt:state' },
    size: { '@type': 'sc:Number', '@id': 'pt:size' },
    fps: { '@type': 'sc:Number', '@id': 'pt:fps' },
    canReply: 'pt:canReply',
    commentsPolicy: { '@type': 'sc:Number', '@id': 'pt:commentsPolicy' },
    downloadEnabled: { '@type': 'sc:Boolean', '@id': 'pt:downloadEnabled' },
    waitTranscoding: { '@type': 'sc:Boolean', '@id': 'pt:waitTranscoding' },
    support: { '@type': 'sc:Text', '@id': 'pt:support' },
    likes: { '@id': 'as:likes', '@type': '@id' },
    dislikes: { '@id': 'as:dislikes', '@type': '@id' },
    shares: { '@id': 'as:shares', '@type': '@id' },
    comments: { '@id': 'as:comments', '@type': '@id' },
    PropertyValue: 'sc:PropertyValue',
    value: 'sc:value',
    Playlist: 'pt:Playlist',
    PlaylistElement: 'pt:PlaylistElement',
    position: { '@type': 'sc:Number', '@id': 'pt:position' },
    videoChannelPosition: { '@type': 'sc:Number', '@id': 'pt:position' },
    startTimestamp: { '@type': 'sc:Number', '@id': 'pt:startTimestamp' },
    stopTimestamp: { '@type': 'sc:Number', '@id': 'pt:stopTimestamp' },
    expires: 'sc:expires',
    CacheFile: 'pt:CacheFile',
    playlists: { '@id': 'pt:playlists', '@type': '@id' },
    lemmy: 'https://join-lemmy.org/ns#',
    postingRestrictedToMods: 'lemmy:postingRestrictedToMods',
    toot: 'http://joinmastodon.org/ns#',
    indexable: 'toot:indexable',
    discoverable: 'toot:discoverable',
    email: 'sc:email',
    WatchAction: 'sc:WatchAction',
    endTimestamp: { '@type': 'sc:Number', '@id': 'pt:endTimestamp' },
    actionStatus: 'sc:actionStatus',
    watchSections: { '@type': '@id', '@id': 'pt:watchSections' },
    addressRegion: 'sc:addressRegion',
    addressCountry: 'sc:addressCountry',
    InteractionCounter: 'sc:InteractionCounter',
    interactionType: 'sc:interactionType',
    userInteractionCount: 'sc:userInteractionCount',
    replyApproval: 'pt:replyApproval',
    ApproveReply: 'pt:ApproveReply',
    RejectReply: 'pt:RejectReply',
    hasPart: 'sc:hasPart',
    endOffset: 'sc:endOffset',
    startOffset: 'sc:startOffset',
    PlayerSettings: { '@type': '@id', '@id': 'pt:PlayerSettings' },
    theme: 'pt:theme',
    DownloadAction: 'sc:DownloadAction'
  }
]

const sha256hex = (s) => createHash('sha256').update(s).digest('hex')

const omit = (obj, keys) => Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)))

// PeerTube's jsonldNormalize: jsonld.promises.normalize with these exact options (jsonld 9 reads
// the algorithm from canonizeOptions and defaults to RDFC-1.0, the standardised URDNA2015).
function normalize (obj) {
  return jsonld.promises.normalize(obj, {
    safe: true,
    algorithm: 'URDNA2015',
    format: 'application/n-quads',
    documentLoader
  })
}

async function hashObject (obj) {
  return sha256hex(await normalize(obj))
}

// PeerTube's createSignatureHash: the signature options under security/v1 plus the
// RsaSignature2017 term, without type, id and signatureValue.
function createSignatureHash (signature) {
  return hashObject({
    '@context': [
      'https://w3id.org/security/v1',
      { RsaSignature2017: 'https://w3id.org/security#RsaSignature2017' }
    ],
    ...omit(signature, ['type', 'id', 'signatureValue'])
  })
}

function createDocWithoutSignatureHash (doc) {
  const copy = structuredClone(doc)
  delete copy.signature
  return hashObject(copy)
}

// PeerTube's signJsonLDObject, with `created` given so tests are reproducible.
async function sign ({ doc, privateKeyPem, creator, created }) {
  const signature = {
    type: 'RsaSignature2017',
    creator,
    created: created ?? new Date().toISOString()
  }
  const [documentHash, optionsHash] = await Promise.all([
    createDocWithoutSignatureHash(doc),
    createSignatureHash(signature)
  ])
  const signer = createSign('RSA-SHA256')
  signer.update(optionsHash + documentHash, 'utf8')
  return Object.assign(structuredClone(doc), {
    signature: { ...signature, signatureValue: signer.sign(privateKeyPem, 'base64') }
  })
}

// PeerTube's fixCompacted: undoes the compaction of the public collection to `as:Public` and of
// one-element arrays to scalars, so the compacted document keeps the original's shape.
function fixCompacted (original, compacted) {
  if (!original || !compacted) return
  for (const [k, v] of Object.entries(original)) {
    if (k === '@context' || k === 'signature') continue
    if (v === undefined || v === null) continue
    const cv = compacted[k]
    if (cv === undefined || cv === null) continue
    if (typeof v === 'string' && v === 'https://www.w3.org/ns/activitystreams#Public' && cv === 'as:Public') {
      compacted[k] = v
    }
    if (Array.isArray(v) && !Array.isArray(cv)) {
      compacted[k] = [cv]
      for (let i = 0; i < v.length; i++) {
        if (v[i] === 'https://www.w3.org/ns/activitystreams#Public' && cv[i] === 'as:Public') {
          compacted[k][i] = v[i]
        }
      }
    }
    if (typeof v === 'object') fixCompacted(original[k], compacted[k])
  }
}

// PeerTube's compactJSONLDAndCheckRSA2017Signature.
async function verify ({ doc, publicKeyPem }) {
  if (doc.signature?.type !== 'RsaSignature2017') return false
  const compacted = await jsonld.promises.compact(omit(doc, ['signature']), allContext, { documentLoader })
  fixCompacted(doc, compacted)
  if (compacted['@include']) return false
  const [documentHash, optionsHash] = await Promise.all([
    hashObject(compacted),
    createSignatureHash(doc.signature)
  ])
  const verifier = createVerify('RSA-SHA256')
  verifier.update(optionsHash + documentHash, 'utf8')
  return verifier.verify(publicKeyPem, doc.signature.signatureValue, 'base64')
}

async function answer (req) {
  try {
    switch (req.op) {
      case 'canon': return { ok: true, nquads: await normalize(req.doc) }
      case 'sign': return { ok: true, doc: await sign(req) }
      case 'verify': return { ok: true, verified: await verify(req) }
      default: return { ok: false, error: `unknown op ${req.op}` }
    }
  } catch (err) {
    return { ok: false, error: String(err?.message ?? err) + (err?.details?.event ? ` (${err.details.event.code})` : '') }
  }
}

const input = JSON.parse(readFileSync(0, 'utf8'))
const answers = []
for (const req of input) answers.push(await answer(req))
process.stdout.write(JSON.stringify(answers))
