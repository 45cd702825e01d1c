// The schemas themselves, checked against real PeerTube 8.0.1 answers: a schema that rejects
// what PeerTube itself sends is stricter than PeerTube, and its complaints about Ruche would be
// wrong. The models are those of a newer 8.x (see package.json), so the keys that appeared after
// 8.0.1 (KNOWN_NEWER below) are the only errors allowed.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { HERE, loadSchemas, TYPES } from './schemas.mjs';
import { check } from './validate.mjs';

const FIXTURES = process.env.PEERTUBE_FIXTURES_DIR ||
  path.resolve(HERE, '..', '..', '..', 'shared', 'fixtures', 'peertube-8.0.1', 'api');

/** Fixture file → the schema its answer is of. */
const FIXTURE_TYPES = {
  'account.json': 'Account',
  'comment-thread.json': 'VideoCommentThreadTree',
  'comment-threads.json': 'VideoCommentThreads',
  'config-about.json': 'About',
  'config.json': 'ServerConfig',
  'search-videos.json': 'ResultList<Video>',
  'users-me.json': 'MyUser',
  'video-channel.json': 'VideoChannel',
  'video-details.json': 'VideoDetails',
  'videos-list.json': 'ResultList<Video>',
};

/** Keys that PeerTube's models require since 8.1 or 8.2, absent from 8.0.1's answers. */
const KNOWN_NEWER = [
  /^\$(\.data\[\d+\])?\.thumbnails — required/,
  /^\$(\.data\[\d+\])?\.downloads — required/,
  /^\$\.embedPrivacyPolicy — required/,
  /^\$\.logo — required/,
  /^\$\.defaults\.live — required/,
  /^\$\.theme\.customization\.onPrimaryColor — required/,
  /^\$\.live\.dvr — required/,
];

test('every schema is generated', async () => {
  const schemas = await loadSchemas();
  assert.deepEqual(Object.keys(schemas).sort(), Object.keys(TYPES).sort());
  for (const [name, s] of Object.entries(schemas)) {
    const root = s.definitions?.[s.$ref?.replace('#/definitions/', '')];
    assert.ok(root && (root.properties || root.$ref || root.anyOf), `${name}: no object schema at its root: ${JSON.stringify(s).slice(0, 300)}`);
  }
});

for (const [file, type] of Object.entries(FIXTURE_TYPES)) {
  test(`the ${type} schema accepts PeerTube 8.0.1's ${file}`, async () => {
    const data = JSON.parse(await readFile(path.join(FIXTURES, file), 'utf8'));
    const msg = await check(type, data, file);
    if (!msg) return;
    const errors = msg.split('\n').slice(1).map((l) => l.trim());
    const unexpected = errors.filter((e) => !KNOWN_NEWER.some((re) => re.test(e)));
    assert.deepEqual(unexpected, [], `the ${type} schema is stricter than PeerTube 8.0.1:\n  ${unexpected.join('\n  ')}`);
  });
}
