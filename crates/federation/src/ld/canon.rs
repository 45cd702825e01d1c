//! A JSON-LD document to its canonical N-Quads, as PeerTube computes them: jsonld.js 9
//! `canonize` in safe mode (expansion, RDF, RDFC-1.0 — the standardised URDNA2015 — and
//! canonical N-Quads), with contexts served from embedded copies only.
//!
//! Expansion and RDF come from the `json-ld` crate and canonicalisation from `rdf-canon`. Around
//! them this module does what makes the output match jsonld.js character for character or
//! refuses: numbers are respelt the JavaScript way (see [`super::jsnum`]), language tags are
//! lowercased, and whatever jsonld.js's safe mode rejects (a term no context defines, a relative
//! IRI, a dropped value, more blank-node work than it allows) is refused here too, so that we
//! never sign what PeerTube would not check, nor accept a signature over data it does not cover.

use super::LdError;
use super::jsnum;
use json_ld::rdf_types::vocabulary::{BlankIdVocabulary, no_vocabulary_mut};
use json_ld::syntax::Parse;
use json_ld::{
    ExpandedDocument, Id, IndexedObject, IriBuf, JsonLdProcessor, Node, Object, RdfQuads,
    RemoteDocument, ValidId,
};
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::LazyLock;
use std::task::{Context, Poll, Waker};

const ACTIVITY_STREAMS: (&str, &str) = (
    "https://www.w3.org/ns/activitystreams",
    include_str!("../contexts/activitystreams.jsonld"),
);

/// The remote contexts we know, each with the offline copy served in its place: the only ones
/// PeerTube and Mastodon put in the activities they sign.
const CONTEXTS: [(&str, &str); 3] = [
    ACTIVITY_STREAMS,
    (
        "https://w3id.org/security/v1",
        include_str!("../contexts/security-v1.jsonld"),
    ),
    (
        "https://w3id.org/identity/v1",
        include_str!("../contexts/identity-v1.jsonld"),
    ),
];

/// The JSON-LD 1.1 keywords. Expansion drops any other key starting with `@`, which jsonld.js's
/// safe mode refuses.
const KEYWORDS: [&str; 23] = [
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

const XSD_DOUBLE: &str = "http://www.w3.org/2001/XMLSchema#double";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";

/// Activities nest a few levels (Create → Video → url → Link → tag); this bound keeps a hostile
/// document from exhausting the stack in the recursive algorithms.
const MAX_DEPTH: usize = 64;

type Loader = HashMap<IriBuf, RemoteDocument>;

static LOADER: LazyLock<Result<Loader, String>> = LazyLock::new(|| {
    let mut loader = HashMap::new();
    for (url, text) in CONTEXTS {
        let iri = IriBuf::new(url.to_string()).map_err(|e| format!("{url}: {e}"))?;
        let (document, _) =
            json_ld::syntax::Value::parse_str(text).map_err(|e| format!("{url}: {e}"))?;
        loader.insert(iri.clone(), RemoteDocument::new(Some(iri), None, document));
    }
    Ok(loader)
});

/// The stack of the thread that canonicalises: `json-ld`'s expansion recurses through boxed
/// futures, about 70 KiB of stack per level of nesting in a debug build, so 30 levels overflowed
/// a thread's usual 2 MiB and aborted the whole process. [`MAX_DEPTH`] levels fit in this many
/// times over; the memory is only reserved, and used as deep as a document goes.
const STACK: usize = 64 << 20;

/// The canonical N-Quads of a JSON-LD document (which must be an object), made on a thread of
/// its own with a stack sized for [`MAX_DEPTH`] (a panic in the libraries is an error too).
pub(super) fn canonicalize(doc: &Value) -> Result<String, LdError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("json-ld".into())
            .stack_size(STACK)
            .spawn_scoped(scope, || canonicalize_here(doc))
            .map_err(|e| LdError::JsonLd(format!("cannot start a thread: {e}")))?
            .join()
            .map_err(|_| LdError::JsonLd("canonicalisation failed (panicked)".into()))?
    })
}

fn canonicalize_here(doc: &Value) -> Result<String, LdError> {
    let loader = LOADER
        .as_ref()
        .map_err(|e| LdError::JsonLd(format!("an embedded context is broken: {e}")))?;
    if !doc.is_object() {
        return Err(LdError::Malformed("the document is not a JSON object"));
    }
    let text = prepare(doc, false, 0)?.to_string();
    let (json, _) =
        json_ld::syntax::Value::parse_str(&text).map_err(|e| LdError::JsonLd(e.to_string()))?;
    let input = RemoteDocument::new(None, None, json);

    // Undefined terms and keys that expand to nothing are errors, as in jsonld.js's safe mode;
    // terms that fall through to the ActivityStreams context's `"@vocab": "_:"` become blank
    // node properties, reported as warnings and refused below.
    let options = json_ld::Options {
        expansion_policy: json_ld::expansion::Policy {
            invalid: json_ld::expansion::Action::Reject,
            vocab: json_ld::expansion::Action::Keep,
            allow_undefined: false,
        },
        ..Default::default()
    };
    let mut warnings = Warnings::default();
    let expanded = offline(input.expand_full(no_vocabulary_mut(), loader, options, &mut warnings))?
        .map_err(expand_error)?;
    if let Some(refusal) = warnings.refusal {
        return Err(refusal);
    }
    check_document(&expanded)?;
    let mut expanded = expanded
        .into_iter()
        .map(|mut object| respell_object(&mut object).map(|()| object))
        .collect::<Result<ExpandedDocument, LdError>>()?;

    let mut generator = json_ld::rdf_types::generator::Blank::new();
    expanded.relabel_and_canonicalize_with(no_vocabulary_mut(), &mut generator);
    let mut dataset = oxrdf::Dataset::new();
    let mut quads = Vec::new();
    for quad in expanded.rdf_quads_full(no_vocabulary_mut(), &mut generator, None, false) {
        let json_ld::rdf_types::Quad(s, p, o, g) = quad;
        let quad = oxrdf::Quad::new(
            subject(&s),
            predicate(&p)?,
            object(o),
            match g {
                None => oxrdf::GraphName::DefaultGraph,
                Some(g) => match subject(g) {
                    oxrdf::Subject::NamedNode(n) => n.into(),
                    oxrdf::Subject::BlankNode(b) => b.into(),
                },
            },
        );
        if dataset.insert(&quad) {
            quads.push(quad);
        }
    }
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(deep_iteration_budget(&quads)),
    };
    rdf_canon::canonicalize_with::<sha2::Sha256>(&dataset, &options).map_err(|e| match e {
        rdf_canon::CanonicalizationError::HndqCallLimitExceeded(_) => LdError::TooComplex,
        other => LdError::JsonLd(other.to_string()),
    })
}

/// Runs an expansion to completion without a runtime. Its only awaits are on the loader, a map
/// that answers at once, so one poll finishes it; if it ever did not, we say so instead of
/// blocking.
fn offline<F: Future>(future: F) -> Result<F::Output, LdError> {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => Err(LdError::JsonLd(
            "the offline context loader unexpectedly suspended".into(),
        )),
    }
}

fn expand_error(e: json_ld::ExpandError) -> LdError {
    use json_ld::context_processing::Error as Ctx;
    use json_ld::expansion::Error as Exp;
    match e {
        json_ld::ExpandError::Loading(l)
        | json_ld::ExpandError::ContextProcessing(Ctx::ContextLoadingFailed(l))
        | json_ld::ExpandError::Expansion(Exp::ContextProcessing(Ctx::ContextLoadingFailed(l))) => {
            LdError::UnknownContext(l.target.to_string())
        }
        json_ld::ExpandError::Expansion(Exp::KeyExpansionFailed(key)) => {
            LdError::Lossy(format!("no context defines the term {key:?}"))
        }
        other => LdError::JsonLd(other.to_string()),
    }
}

/// A copy of the document for the json-ld crate, after the refusals that are easiest to see on
/// the JSON.
fn prepare(v: &Value, in_context: bool, depth: usize) -> Result<Value, LdError> {
    if depth > MAX_DEPTH {
        return Err(LdError::Unsupported(format!(
            "nesting deeper than {MAX_DEPTH}"
        )));
    }
    Ok(match v {
        // Contexts are copied untouched: their numbers (`@version`) are not data.
        _ if in_context => v.clone(),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| prepare(item, false, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, value) in map {
                let value = match key.as_str() {
                    "@context" => {
                        check_context(value, depth + 1)?;
                        prepare(value, true, depth + 1)?
                    }
                    // PeerTube refuses `@include`; `@included` (its JSON-LD 1.1 spelling) adds
                    // nodes a reader of the JSON would not expect, so it is refused as well.
                    "@include" | "@included" => return Err(LdError::Include),
                    // Named graphs: Mastodon's verifier loads the RDF into a single graph, so a
                    // document with them would hash differently there.
                    "@graph" => return Err(LdError::Unsupported("@graph".into())),
                    "@value" if value.is_null() => {
                        return Err(LdError::Lossy("a null @value".into()));
                    }
                    k if k.starts_with('@') && !KEYWORDS.contains(&k) => {
                        return Err(LdError::Lossy(format!(
                            "the key {k:?}, which looks like a keyword but is none"
                        )));
                    }
                    _ => prepare(value, false, depth + 1)?,
                };
                out.insert(key.clone(), value);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Refuses a context that names a remote document we do not have, before the loader is asked:
/// contexts are never fetched, and an unknown one is a clear refusal rather than a loader error.
fn check_context(v: &Value, depth: usize) -> Result<(), LdError> {
    if depth > MAX_DEPTH {
        return Err(LdError::Unsupported(format!(
            "nesting deeper than {MAX_DEPTH}"
        )));
    }
    match v {
        Value::String(url) => {
            if CONTEXTS.iter().any(|(known, _)| known == url) {
                Ok(())
            } else if url.is_empty() {
                Err(LdError::Malformed("a @context is an empty string"))
            } else {
                Err(LdError::UnknownContext(url.clone()))
            }
        }
        Value::Array(items) => items.iter().try_for_each(|c| check_context(c, depth + 1)),
        // Inside an embedded context, remote documents can come back through `@import` and
        // through the scoped contexts of term definitions.
        Value::Object(map) => map.iter().try_for_each(|(key, value)| match key.as_str() {
            "@context" | "@import" => check_context(value, depth + 1),
            _ if value.is_object() => check_context(value, depth + 1),
            _ => Ok(()),
        }),
        _ => Ok(()),
    }
}

/// The ActivityStreams context's term definitions, shorthand (`"as:name"`) written out as
/// `{"@id": "as:name"}`.
static AS_TERMS: LazyLock<serde_json::Map<String, Value>> = LazyLock::new(|| {
    serde_json::from_str::<Value>(ACTIVITY_STREAMS.1)
        .ok()
        .and_then(|doc| doc.get("@context").and_then(Value::as_object).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|(term, _)| !term.starts_with('@'))
        .map(|(term, definition)| (term, written_out(&definition)))
        .collect()
});

fn written_out(definition: &Value) -> Value {
    match definition {
        Value::String(iri) => serde_json::json!({ "@id": iri }),
        other => other.clone(),
    }
}

/// Refuses a document whose embedded contexts give a term of the ActivityStreams context another
/// meaning. A signature covers the RDF, not the JSON: a forwarder could swap the definitions of
/// `attributedTo` and `inReplyTo`, swap their values too, and keep the signature valid while
/// every reader of the JSON sees another author. PeerTube defuses this by compacting a verified
/// activity with its own context and reading that; we read the JSON as sent, so we refuse
/// redefinitions instead. Repeating a definition word for word (PeerTube repeats `likes` and
/// `shares`) is allowed. The guard holds whether or not the document names the ActivityStreams
/// context, since an embedded copy of it with two terms swapped gives the same RDF too. Only
/// ActivityStreams terms are guarded, the ones activities are read by: Mastodon's actors do
/// redefine a security/v1 term (`EncryptedMessage`, for its devices).
pub(super) fn check_no_redefinition(doc: &Value) -> Result<(), LdError> {
    let mut inline = Vec::new();
    collect_contexts(doc, &mut inline, 0)?;
    for definitions in inline {
        for (term, definition) in definitions {
            if let Some(shared) = AS_TERMS.get(term)
                && *shared != written_out(definition)
            {
                return Err(LdError::Redefined(term.clone()));
            }
        }
    }
    Ok(())
}

/// Every embedded context object a document carries, including the scoped contexts of term
/// definitions.
fn collect_contexts<'a>(
    v: &'a Value,
    inline: &mut Vec<&'a serde_json::Map<String, Value>>,
    depth: usize,
) -> Result<(), LdError> {
    if depth > MAX_DEPTH {
        return Err(LdError::Unsupported(format!(
            "nesting deeper than {MAX_DEPTH}"
        )));
    }
    match v {
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| collect_contexts(item, inline, depth + 1)),
        Value::Object(map) => {
            for (key, value) in map {
                if key == "@context" {
                    context_entries(value, inline, depth + 1)?;
                } else {
                    collect_contexts(value, inline, depth + 1)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn context_entries<'a>(
    v: &'a Value,
    inline: &mut Vec<&'a serde_json::Map<String, Value>>,
    depth: usize,
) -> Result<(), LdError> {
    if depth > MAX_DEPTH {
        return Err(LdError::Unsupported(format!(
            "nesting deeper than {MAX_DEPTH}"
        )));
    }
    match v {
        Value::Array(items) => {
            for item in items {
                context_entries(item, inline, depth + 1)?;
            }
        }
        Value::Object(definitions) => {
            inline.push(definitions);
            // Scoped contexts sit inside term definitions.
            for definition in definitions.values() {
                if let Some(scoped) = definition.get("@context") {
                    context_entries(scoped, inline, depth + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Collects the warnings of context processing and expansion that jsonld.js's safe mode turns
/// into errors. Malformed IRIs are not among them: the crate warns about every key it tries as an
/// IRI, so the ones that matter are found on the expanded document instead.
#[derive(Default)]
struct Warnings {
    refusal: Option<LdError>,
}

impl Warnings {
    fn refuse(&mut self, why: String) {
        if self.refusal.is_none() {
            self.refusal = Some(LdError::Lossy(why));
        }
    }
}

impl<N: BlankIdVocabulary> json_ld::warning::Handler<N, json_ld::expansion::Warning<N::BlankId>>
    for Warnings
{
    fn handle(&mut self, _: &N, warning: json_ld::expansion::Warning<N::BlankId>) {
        use json_ld::expansion::Warning;
        match warning {
            Warning::BlankNodeIdProperty(_) => self.refuse(
                "a term that no context defines (it would become a blank node property)".into(),
            ),
            Warning::MalformedLanguageTag(tag, _) => {
                self.refuse(format!("the malformed language tag {tag:?}"))
            }
            Warning::EmptyTerm => self.refuse("an empty term".into()),
            Warning::MalformedIri(_) => {}
        }
    }
}

impl<N> json_ld::warning::Handler<N, json_ld::context_processing::Warning> for Warnings {
    fn handle(&mut self, _: &N, warning: json_ld::context_processing::Warning) {
        use json_ld::context_processing::Warning;
        match warning {
            Warning::KeywordLikeTerm(t) => self.refuse(format!("the keyword-like term {t:?}")),
            Warning::KeywordLikeValue(v) => self.refuse(format!("the keyword-like value {v:?}")),
            Warning::MalformedIri(_) => {}
        }
    }
}

/// The refusals that show on the expanded document: what its conversion to RDF would drop or
/// write differently from jsonld.js.
fn check_document(doc: &ExpandedDocument) -> Result<(), LdError> {
    if doc.is_empty() {
        return Err(LdError::Lossy("the document expands to nothing".into()));
    }
    for object in doc.iter() {
        match object.inner() {
            Object::Node(node) => {
                if node.types.as_ref().is_none_or(Vec::is_empty)
                    && node.properties.is_empty()
                    && node
                        .reverse_properties
                        .as_ref()
                        .is_none_or(|r| r.is_empty())
                {
                    return Err(LdError::Lossy(
                        "a top-level object with nothing but an id".into(),
                    ));
                }
            }
            _ => return Err(LdError::Lossy("a free-floating value".into())),
        }
        check_object(object, 0)?;
    }
    Ok(())
}

fn check_object(
    object: &IndexedObject<IriBuf, json_ld::BlankIdBuf>,
    depth: usize,
) -> Result<(), LdError> {
    if depth > MAX_DEPTH {
        return Err(LdError::Unsupported(format!(
            "nesting deeper than {MAX_DEPTH}"
        )));
    }
    match object.inner() {
        Object::Value(value) => check_value(value),
        Object::Node(node) => check_node(node, depth),
        Object::List(list) => list
            .iter()
            .try_for_each(|item| check_object(item, depth + 1)),
    }
}

fn check_node(node: &Node, depth: usize) -> Result<(), LdError> {
    if let Some(id) = &node.id {
        check_id(id)?;
    }
    for ty in node.types.iter().flatten() {
        check_id(ty)?;
    }
    if node.included.is_some() {
        return Err(LdError::Include);
    }
    if node.graph.is_some() {
        return Err(LdError::Unsupported("@graph".into()));
    }
    for (property, values) in node.properties.iter() {
        check_property(property)?;
        for value in values {
            check_object(value, depth + 1)?;
        }
    }
    if let Some(reverse) = &node.reverse_properties {
        for (property, nodes) in reverse.iter() {
            check_property(property)?;
            for n in nodes {
                check_node(n.inner(), depth + 1)?;
            }
        }
    }
    Ok(())
}

fn check_id(id: &Id) -> Result<(), LdError> {
    match id {
        Id::Valid(_) => Ok(()),
        Id::Invalid(s) => Err(LdError::Lossy(format!(
            "{s:?}, which is not an absolute IRI"
        ))),
    }
}

fn check_property(property: &Id) -> Result<(), LdError> {
    match property {
        Id::Valid(ValidId::Iri(_)) => Ok(()),
        Id::Valid(ValidId::Blank(_)) => Err(LdError::Lossy(
            "a term that no context defines (it would become a blank node property)".into(),
        )),
        Id::Invalid(s) => Err(LdError::Lossy(format!(
            "the property {s:?}, which is not an absolute IRI"
        ))),
    }
}

fn check_value(value: &json_ld::Value) -> Result<(), LdError> {
    use json_ld::object::Literal;
    match value {
        json_ld::Value::Literal(Literal::Null, _) => Err(LdError::Lossy("a null value".into())),
        json_ld::Value::Literal(..) => Ok(()),
        json_ld::Value::LangString(s) => {
            if s.direction().is_some() {
                // jsonld.js's safe mode refuses a direction when no rdfDirection is chosen,
                // and PeerTube chooses none.
                return Err(LdError::Lossy("a string with a @direction".into()));
            }
            match s.language() {
                Some(tag) if !tag.is_well_formed() => Err(LdError::Lossy(format!(
                    "the malformed language tag {:?}",
                    tag.as_str()
                ))),
                _ => Ok(()),
            }
        }
        // jsonld.js writes JSON literals in RFC 8785 form, json-ld in its own compact form.
        json_ld::Value::Json(_) => Err(LdError::Unsupported("an @json literal".into())),
    }
}

/// Respells every number, and every string typed `xsd:double`, as the string jsonld.js writes
/// for it (see [`super::jsnum`]), with the datatype it would give; json-ld then writes those
/// strings as they are.
fn respell_object(object: &mut IndexedObject<IriBuf, json_ld::BlankIdBuf>) -> Result<(), LdError> {
    match object.inner_mut() {
        Object::Value(value) => respell_value(value),
        Object::Node(node) => respell_node(node),
        Object::List(list) => list.iter_mut().try_for_each(respell_object),
    }
}

fn respell_node(node: &mut Node) -> Result<(), LdError> {
    for (_, objects) in node.properties_mut() {
        for object in objects {
            respell_object(object)?;
        }
    }
    if let Some(reverse) = node.reverse_properties_mut() {
        for (_, nodes) in reverse.iter_mut() {
            for n in nodes {
                respell_node(n.inner_mut())?;
            }
        }
    }
    Ok(())
}

fn respell_value(value: &mut json_ld::Value) -> Result<(), LdError> {
    use json_ld::object::Literal;
    let json_ld::Value::Literal(literal, ty) = value else {
        return Ok(());
    };
    let coerced_double = ty.as_ref().is_some_and(|t| t.as_str() == XSD_DOUBLE);
    let (lexical, double) = match literal {
        Literal::Number(n) => jsnum::rdf_number(n.as_f64_lossy(), coerced_double),
        // jsonld.js reads a string typed xsd:double with parseFloat and writes the number.
        Literal::String(s) if coerced_double => {
            (jsnum::js_double(jsnum::parse_float(s.as_str())), true)
        }
        _ => return Ok(()),
    };
    if ty.is_none() {
        let default = if double { XSD_DOUBLE } else { XSD_INTEGER };
        *ty = Some(
            IriBuf::new(default.to_string())
                .map_err(|e| LdError::JsonLd(format!("{default}: {e}")))?,
        );
    }
    *literal = Literal::String(lexical.into());
    Ok(())
}

fn subject(id: &ValidId<IriBuf, json_ld::BlankIdBuf>) -> oxrdf::Subject {
    match id {
        ValidId::Iri(iri) => oxrdf::NamedNode::new_unchecked(iri.as_str()).into(),
        ValidId::Blank(b) => blank(b).into(),
    }
}

fn predicate(id: &ValidId<IriBuf, json_ld::BlankIdBuf>) -> Result<oxrdf::NamedNode, LdError> {
    match id {
        ValidId::Iri(iri) => Ok(oxrdf::NamedNode::new_unchecked(iri.as_str())),
        // Refused on the expanded document already; the RDF conversion drops them anyway.
        ValidId::Blank(_) => Err(LdError::Lossy("a blank node property".into())),
    }
}

fn object(
    term: json_ld::rdf_types::Object<
        ValidId<IriBuf, json_ld::BlankIdBuf>,
        json_ld::rdf_types::Literal,
    >,
) -> oxrdf::Term {
    use json_ld::rdf_types::{LiteralType, Term};
    match term {
        Term::Id(id) => match subject(&id) {
            oxrdf::Subject::NamedNode(n) => n.into(),
            oxrdf::Subject::BlankNode(b) => b.into(),
        },
        Term::Literal(lit) => match lit.type_ {
            LiteralType::Any(ty) => oxrdf::Literal::new_typed_literal(
                lit.value,
                oxrdf::NamedNode::new_unchecked(ty.as_str()),
            )
            .into(),
            // jsonld.js lowercases language tags when it expands them.
            LiteralType::LangString(tag) => oxrdf::Literal::new_language_tagged_literal_unchecked(
                lit.value,
                tag.as_str().to_ascii_lowercase(),
            )
            .into(),
        },
    }
}

fn blank(b: &json_ld::BlankId) -> oxrdf::BlankNode {
    oxrdf::BlankNode::new_unchecked(b.suffix())
}

/// How many Hash N-Degree Quads calls jsonld.js allows before it gives up: its default
/// `maxWorkFactor` of 1 gives one per blank node whose first-degree hash is shared with another.
/// rdf-canon counts the same calls, so the same documents fail on both sides; the bound also
/// keeps a hostile document from costing exponential time.
fn deep_iteration_budget(quads: &[oxrdf::Quad]) -> usize {
    let mut mentions: HashMap<&str, Vec<&oxrdf::Quad>> = HashMap::new();
    for quad in quads {
        let mut blanks = Vec::new();
        if let oxrdf::Subject::BlankNode(b) = &quad.subject {
            blanks.push(b.as_str());
        }
        if let oxrdf::Term::BlankNode(b) = &quad.object {
            blanks.push(b.as_str());
        }
        if let oxrdf::GraphName::BlankNode(b) = &quad.graph_name {
            blanks.push(b.as_str());
        }
        // A quad counts once for each blank node in it, as in rdf-canonize's set of quads.
        blanks.sort_unstable();
        blanks.dedup();
        for b in blanks {
            mentions.entry(b).or_default().push(quad);
        }
    }
    // Two blank nodes share a first-degree hash exactly when their quads, with themselves
    // written `_:a` and every other blank node `_:z`, are the same; the serialised quads stand
    // in for the hash.
    let mut groups: HashMap<Vec<String>, usize> = HashMap::new();
    for (&node, quads) in &mentions {
        let mut lines: Vec<String> = quads.iter().map(|q| first_degree_line(q, node)).collect();
        lines.sort();
        *groups.entry(lines).or_default() += 1;
    }
    groups.values().filter(|&&n| n > 1).sum()
}

fn first_degree_line(quad: &oxrdf::Quad, node: &str) -> String {
    let stand_in = |b: &oxrdf::BlankNode| {
        oxrdf::BlankNode::new_unchecked(if b.as_str() == node { "a" } else { "z" })
    };
    let subject = match &quad.subject {
        oxrdf::Subject::BlankNode(b) => stand_in(b).into(),
        other => other.clone(),
    };
    let object = match &quad.object {
        oxrdf::Term::BlankNode(b) => stand_in(b).into(),
        other => other.clone(),
    };
    let graph = match &quad.graph_name {
        oxrdf::GraphName::BlankNode(b) => stand_in(b).into(),
        other => other.clone(),
    };
    oxrdf::Quad::new(subject, quad.predicate.clone(), object, graph).to_string()
}
