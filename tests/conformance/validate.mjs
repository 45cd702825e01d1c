// Validation of a JSON answer against one of the schemas of schemas.mjs, with every error listed
// at once as `JSON path — keyword — expected — actual value`, so the server side can be fixed from
// the message alone.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { loadSchemas } from './schemas.mjs';

let validators = null;

/** { name: ajv validate function } for every schema of schemas.mjs (compiled once). */
export async function loadValidators() {
  if (validators) return validators;
  const schemas = await loadSchemas();
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  addFormats(ajv);
  validators = {};
  for (const [name, schema] of Object.entries(schemas)) validators[name] = ajv.compile(schema);
  return validators;
}

/** `/a/0/b` (ajv's JSON pointer) → `$.a[0].b`. */
export function jsonPath(pointer) {
  if (!pointer) return '$';
  return '$' + pointer.split('/').slice(1).map((raw) => {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) return `[${seg}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(seg)) return `.${seg}`;
    return `[${JSON.stringify(seg)}]`;
  }).join('');
}

const show = (v) => {
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
};

/**
 * ajv's errors made readable. A failed `anyOf` is reported once at its path with what each
 * branch expected, rather than as the branch errors plus the anyOf error; the branch that only
 * accepts null (added by schemas.mjs) is left out of the explanation when another branch says
 * more.
 */
export function formatErrors(errors) {
  const lines = [];
  const anyOfPaths = new Map(); // schemaPath of an anyOf → its error
  for (const e of errors) if (e.keyword === 'anyOf') anyOfPaths.set(e.schemaPath, e);
  const branchOf = (e) => {
    for (const p of anyOfPaths.keys()) if (e.schemaPath.startsWith(`${p}/`)) return p;
    return null;
  };
  const grouped = new Map(); // anyOf schemaPath → branch errors
  for (const e of errors) {
    const b = branchOf(e);
    if (b) {
      if (!grouped.has(b)) grouped.set(b, []);
      grouped.get(b).push(e);
    }
  }
  for (const e of errors) {
    if (branchOf(e)) continue;
    if (e.keyword === 'anyOf') {
      const branches = (grouped.get(e.schemaPath) ?? []).filter((x) => !(x.keyword === 'type' && x.params.type === 'null'));
      // Errors deeper than the anyOf itself (inside an object branch): list each of them.
      const deeper = branches.filter((x) => x.instancePath !== e.instancePath);
      if (deeper.length) {
        for (const x of deeper) lines.push(one(x));
        continue;
      }
      const expected = [...new Set(branches.map(describe))];
      lines.push(`${jsonPath(e.instancePath)} — anyOf — expected ${expected.join(' or ') || 'one of the alternatives'} — got ${show(e.data)}`);
      continue;
    }
    lines.push(one(e));
  }
  return collapse([...new Set(lines)]);
}

/**
 * Lines that differ only in array indices (`$.data[0].x` and `$.data[1].x`, same value) shown
 * once, with where else they occur.
 */
function collapse(lines) {
  const groups = new Map();
  for (const line of lines) {
    const [where, ...rest] = line.split(' — ');
    const key = `${where.replace(/\[\d+\]/g, '[*]')} — ${rest.join(' — ')}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({ line, where });
  }
  return [...groups.values()].map((g) => (g.length === 1 ? g[0].line
    : `${g[0].line} (also at ${g.slice(1).map((x) => x.where).join(', ')})`));
}

function describe(e) {
  switch (e.keyword) {
    case 'type': return `type ${[].concat(e.params.type).join('|')}`;
    case 'enum': return `one of ${show(e.params.allowedValues)}`;
    case 'const': return `${show(e.params.allowedValue)}`;
    case 'format': return `format ${e.params.format}`;
    case 'required': return `key "${e.params.missingProperty}"`;
    default: return `${e.keyword} ${show(e.params)}`;
  }
}

function one(e) {
  if (e.keyword === 'required') {
    const at = e.instancePath ? `${e.instancePath}/${e.params.missingProperty}` : `/${e.params.missingProperty}`;
    return `${jsonPath(at)} — required — missing key "${e.params.missingProperty}" (expected ${schemaSummary(e.parentSchema?.properties?.[e.params.missingProperty])})`;
  }
  return `${jsonPath(e.instancePath)} — ${e.keyword} — expected ${describe(e)} — got ${show(e.data)}`;
}

/** A short description of a sub-schema, for a missing key. */
function schemaSummary(s) {
  if (!s || s === true || Object.keys(s).length === 0) return 'any value';
  if (s.enum) return `one of ${show(s.enum)}`;
  if (s.type) return `type ${[].concat(s.type).join('|')}${s.format ? ` (${s.format})` : ''}`;
  if (s.anyOf) return s.anyOf.map(schemaSummary).join(' or ');
  if (s.$ref) return s.$ref.replace('#/definitions/', '');
  return 'a value';
}

/**
 * Validates `data` against schema `name`: null when it conforms, else the message listing every
 * error (`label` says which answer it is).
 */
export async function check(name, data, label = name) {
  const v = (await loadValidators())[name];
  if (!v) throw new Error(`no schema named ${name}`);
  if (v(data)) return null;
  const errs = formatErrors(v.errors);
  return `${label} does not conform to PeerTube's ${name} (${errs.length} error${errs.length === 1 ? '' : 's'}):\n  ${errs.join('\n  ')}`;
}
