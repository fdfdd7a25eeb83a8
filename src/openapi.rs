//! The OpenAPI document's frame: title, description, tags and the shared
//! schemas. The paths come from the handlers as `startup` registers them.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;
use crate::auth::policy::Capability;
use crate::domain::text;
use crate::domain::FieldError;
use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "panel-tracker",
        description = "Records the commitments made at Police and Crime Panel meetings (actions), \
who owes them to whom and at which meeting they are due, and tracks each one until the \
panel accepts the response.\n\n\
Conventions: JSON with snake_case fields; RFC 3339 UTC timestamps; errors as \
`application/problem+json` (RFC 9457) with an `errors` list for invalid fields; lists use \
cursor pagination (`limit` up to 200, `cursor` from `next_cursor` or the `Link` header); \
every resource has a `version` sent as a strong `ETag`, and PATCH and lifecycle transitions \
require `If-Match` (412 when stale, 428 when missing); creating POSTs accept an \
`Idempotency-Key`. Every GET answer carries an `ETag` (a resource's version, else a hash of \
the body): send it back as `If-None-Match` to get 304 with no body while nothing changed. \
Other systems follow every change through the change feed (`GET /api/v1/changes?after=`).",
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Sign in with `POST /api/v1/auth/token`, then send `Authorization: Bearer <access_token>`"),
        (name = "administration", description = "Users and service credentials (admin only)"),
        (name = "committees", description = "Panels and their short codes"),
        (name = "meetings", description = "Meetings of a committee, in time order"),
        (name = "agenda items", description = "The numbered items of a meeting"),
        (name = "actions", description = "Commitments made at meetings, and their timelines"),
        (name = "action lifecycle", description = "open -> in_progress -> response_submitted -> completed, with return, reopen, withdraw and carry-forward"),
        (name = "action log", description = "The action log for a meeting's agenda pack, bulk carry-forward and statistics"),
        (name = "extraction", description = "Find the commitments in a meeting's minutes, then log the confirmed ones"),
        (name = "changes", description = "The change feed: every committed change in commit order, from a position the reader remembers, with no change missed (`GET /api/v1/changes?after=`)"),
        (name = "webhooks", description = "Other systems told of the changes they want (admin only): signed as the Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`), at least once, retried with backoff for about three days, with a log of every attempt"),
        (name = "statutory", description = "The panel's statutory work and the clocks the law sets: the precept (SI 2012/2271), the Police and Crime Plan, the annual report, the chief constable's appointment and confirmation hearings (PRSRA 2011), each with its steps, who owes them and when; the panel's reports and recommendations, tracked until the PCC responds; a steps out of order or one the law does not allow is 409 naming the rule"),
        (name = "calendar", description = "What is due, from whom and when, across statutory steps, recommendations and actions; and an iCalendar feed per committee for Outlook and other calendars"),
        (name = "health", description = "Liveness and readiness for load balancers"),
        (name = "public", description = "Published committees, read without signing in: meetings, action logs, actions (exempt information withheld), search, open data (CSV, JSON) and an Atom feed. Answers carry an ETag (304 on If-None-Match) and `Cache-Control: public, max-age=60`; anonymous callers are rate-limited per address (429 with Retry-After)"),
    ),
    components(schemas(Problem, FieldError, crate::api::action_log::LogFormat))
)]
pub struct ApiDoc;

/// Declares the bearer scheme that operations name in their `security`, so
/// the docs page's Authorize button takes a token from `/api/v1/auth/token`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/token, or a service credential"))
                    .build(),
            ),
        );
    }
}

/// The document as committed in `openapi/openapi.json`: pretty JSON with a final newline.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> String {
    let mut json = doc.to_pretty_json().expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

/// What a client can do next with a resource it was just given, as OpenAPI
/// links: (operation, status) -> the operations that take the returned `id`
/// (and, where they change it, its `ETag` as `If-Match`). Clients and
/// stateful test tools follow them from a created resource to its uses.
/// (source operations, JSON pointer to the id in their response, target operations with whether each needs `If-Match`).
type LinkRule = (&'static [&'static str], &'static str, &'static [(&'static str, bool)]);

const LINKS: &[LinkRule] = &[
    (
        &["create_committee", "update_committee"],
        "/id",
        &[("get_committee", false), ("update_committee", true), ("get_committee_stats", false)],
    ),
    (
        &["create_meeting", "update_meeting"],
        "/id",
        &[
            ("get_meeting", false),
            ("update_meeting", true),
            ("list_agenda_items", false),
            ("create_agenda_item", false),
            ("get_action_log", false),
            ("carry_meeting_actions_forward", false),
            ("extract_commitments", false),
            ("accept_commitments", false),
        ],
    ),
    (&["create_agenda_item", "update_agenda_item"], "/id", &[("get_agenda_item", false), ("update_agenda_item", true)]),
    (
        &[
            "create_action",
            "update_action",
            "start_action",
            "submit_action_response",
            "accept_action_response",
            "return_action_response",
            "reopen_action",
            "withdraw_action",
            "carry_action_forward",
        ],
        "/id",
        &[
            ("get_action", false),
            ("update_action", true),
            ("start_action", true),
            ("submit_action_response", true),
            ("accept_action_response", true),
            ("return_action_response", true),
            ("reopen_action", true),
            ("withdraw_action", true),
            ("carry_action_forward", true),
            ("list_action_events", false),
            ("verify_action_events", false),
        ],
    ),
    (&["create_user"], "/user/id", &[("get_user", false), ("reset_user_password", false)]),
    (&["get_user", "update_user"], "/id", &[("update_user", true)]),
    (&["create_service_credential"], "/id", &[("revoke_service_credential", false)]),
    (
        &["create_statutory_process", "record_statutory_step", "set_statutory_step_due_date"],
        "/id",
        &[("get_statutory_process", false), ("list_statutory_process_events", false)],
    ),
    (
        &["create_panel_report", "publish_panel_report_response"],
        "/id",
        &[("get_panel_report", false), ("publish_panel_report_response", true), ("list_panel_report_events", false)],
    ),
    (&["get_recommendation"], "/id", &[("respond_to_recommendation", true), ("list_recommendation_events", false)]),
];

/// Adds [`LINKS`] to the success response of each named operation.
pub fn add_links(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::link::LinkBuilder;
    use utoipa::openapi::RefOr;
    for path in doc.paths.paths.values_mut() {
        let operations =
            [path.get.as_mut(), path.post.as_mut(), path.patch.as_mut(), path.put.as_mut(), path.delete.as_mut()];
        for operation in operations.into_iter().flatten() {
            let Some(id) = operation.operation_id.clone() else { continue };
            for (sources, id_pointer, targets) in LINKS {
                if !sources.contains(&id.as_str()) {
                    continue;
                }
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else { continue };
                    if !status.starts_with('2') {
                        continue;
                    }
                    for (target, needs_version) in *targets {
                        let mut link = LinkBuilder::new()
                            .operation_id(*target)
                            .parameter("id", format!("$response.body#{id_pointer}"));
                        if *needs_version {
                            link = link.parameter("header.If-Match", "$response.header.ETag");
                        }
                        response.links.insert(link_name(target), RefOr::T(link.build()));
                    }
                }
            }
        }
    }
}

/// `get_action` -> `GetAction`.
fn link_name(operation: &str) -> String {
    operation
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Fields that may be left out (or `null`) but, when given, must not be
/// blank: the PATCH fields of values that cannot be cleared.
const NON_BLANK_WHEN_GIVEN: &[(&str, &str)] = &[
    ("CommitteePatch", "name"),
    ("MeetingPatch", "title"),
    ("AgendaItemPatch", "number"),
    ("AgendaItemPatch", "title"),
    ("ActionPatch", "description"),
    ("UserPatch", "display_name"),
    ("NewStatutoryProcessRequest", "title"),
];

/// Whether a request body schema has a field that names a record (`*_id`),
/// following `$ref`s, `oneOf`s and array items a few levels down.
fn names_ids(schemas: &serde_json::Value, schema: &serde_json::Value, depth: usize) -> bool {
    use serde_json::Value;
    if depth > 4 {
        return false;
    }
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        return names_ids(schemas, &schemas[name], depth + 1);
    }
    let in_properties = schema["properties"]
        .as_object()
        .is_some_and(|props| props.iter().any(|(name, p)| name.ends_with("_id") || names_ids(schemas, p, depth + 1)));
    let in_parts = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| schema[*k].as_array())
        .flatten()
        .any(|s| names_ids(schemas, s, depth + 1));
    in_properties
        || in_parts
        || (!matches!(schema["items"], Value::Null) && names_ids(schemas, &schema["items"], depth + 1))
}

/// What the problem answers of an operation follow from, read from the
/// operation as the handler declared it.
struct Facts {
    /// What the policy table says it needs (`None` when it is public).
    capability: Option<Option<Capability>>,
    /// It names the bearer scheme in its `security`.
    bearer: bool,
    /// The media types of its request body (empty: it takes none).
    body_types: Vec<String>,
    /// It has query parameters.
    query: bool,
    /// It takes `If-Match`.
    if_match: bool,
    /// It takes `Idempotency-Key`.
    idempotency_key: bool,
    /// Its JSON body names records by id (`*_id` fields).
    names_records: bool,
    /// What the id in its path names (`/meetings/{id}/agenda-items`: a meeting).
    path_noun: Option<&'static str>,
}

/// The resources the API's paths name by id: (path segment, noun).
const PATH_NOUNS: &[(&str, &str)] = &[
    ("actions", "action"),
    ("agenda-items", "agenda item"),
    ("committees", "committee"),
    ("meetings", "meeting"),
    ("panel-reports", "panel report"),
    ("recommendations", "recommendation"),
    ("statutory-processes", "statutory process"),
    ("service-credentials", "service credential"),
    ("sso-blocks", "single sign-on block"),
    ("users", "user"),
];

/// The noun for the resource whose id is the path's first parameter.
fn path_noun(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.iter().position(|s| s.starts_with('{'))?;
    let segment = segments.get(at.checked_sub(1)?)?;
    Some(PATH_NOUNS.iter().find(|(s, _)| s == segment).map_or("resource", |(_, noun)| *noun))
}

/// The problem answers that follow from an operation's facts, as (status,
/// description). A handler declares only its success answers and the
/// problems particular to it; for any status it declares, its own
/// description stands (an `Idempotency-Key` conflict is added to its 409).
fn common_answers(facts: &Facts) -> Vec<(&'static str, String)> {
    let mut answers: Vec<(&'static str, String)> = vec![];
    let noun = facts.path_noun.unwrap_or("resource");
    if facts.bearer {
        answers.push(("401", "No or bad credentials".into()));
        let forbidden = match facts.capability {
            Some(Some(Capability::ManageUsers)) => "Not an admin",
            // Every role may; only a single sign-on caller without one is refused.
            Some(Some(Capability::Read | Capability::SignedIn)) => {
                "Signed in by single sign-on with groups that map to no role"
            }
            _ => "The caller's role may not do this",
        };
        answers.push(("403", forbidden.into()));
    }
    if facts.if_match {
        answers.push(("412", format!("The {noun} changed since that ETag")));
        answers.push(("428", "If-Match is missing".into()));
    }
    if !facts.body_types.is_empty() {
        answers.push(("400", "Malformed request".into()));
        answers.push(("413", "The body is larger than this operation accepts".into()));
        let not = if facts.body_types == ["application/json"] { "Not JSON" } else { "Another content type" };
        answers.push(("415", not.into()));
        answers.push(("422", "Invalid fields".into()));
    }
    if facts.query {
        answers.push(("400", "Invalid query".into()));
    }
    if facts.path_noun.is_some() {
        answers.push(("404", format!("No such {noun}")));
    }
    if facts.names_records {
        answers.push(("404", "The body names a record that does not exist (`errors` says which)".into()));
        answers.push((
            "409",
            "The body names a record that cannot be used here: another committee's, an earlier or a cancelled meeting (`errors` says which)".into(),
        ));
    }
    if facts.idempotency_key {
        answers.push((
            "409",
            "The Idempotency-Key was used with another body, or its first request is still running".into(),
        ));
    }
    answers
}

/// Says once, for the whole document, what holds for every operation of a
/// kind, so no handler can forget it and none repeats it: the server the
/// paths are relative to; `security: []` on the operations the policy table
/// leaves public (so a reader sees they need no sign-in); the problem
/// answers that follow from what the operation takes ([`common_answers`]);
/// 400 on any operation that documents no other client error (any query
/// string that is not valid UTF-8 gets one); and a page's items as a
/// reference to their named schema, so a generated client has one type per
/// resource, not one per list.
pub fn declare_common_answers(doc: &mut utoipa::openapi::OpenApi) {
    use serde_json::{json, Value};
    let Ok(mut value) = serde_json::to_value(&*doc) else { return };
    value["servers"] = json!([{"url": "/", "description": "This service, wherever it is served"}]);
    let schemas = value.pointer("/components/schemas").cloned().unwrap_or(Value::Null);
    if let Some(paths) = value.pointer_mut("/paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, operation) in item.iter_mut() {
                let Some(operation) = operation.as_object_mut() else { continue };
                answer_operation(path, operation, &schemas);
                if method == "get" && path.starts_with("/api/v1/") && !path.starts_with("/api/v1/public/") {
                    declare_conditional(operation);
                }
            }
        }
    }
    name_page_items(&mut value);
    if let Ok(declared) = serde_json::from_value(value) {
        *doc = declared;
    }
}

/// What `http::cache::conditional_requests` does for every signed-in GET:
/// an ETag on the 200 answer, and 304 for an `If-None-Match` that names it.
fn declare_conditional(operation: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::{json, Value};
    let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { return };
    if let Some(ok) = responses.get_mut("200").and_then(Value::as_object_mut) {
        let headers = ok.entry("headers").or_insert_with(|| json!({}));
        if let Some(headers) = headers.as_object_mut() {
            headers.entry("ETag").or_insert_with(|| {
                json!({"description": "A tag of the answer (a hash of its body) for If-None-Match", "schema": {"type": "string"}})
            });
        }
    }
    responses.insert(
        "304".into(),
        json!({"description": "Not modified: the ETag sent in If-None-Match is still current (no body)"}),
    );
}

/// A problem answer: `description`, with a [`Problem`] body.
fn problem(description: &str) -> serde_json::Value {
    serde_json::json!({
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    })
}

/// Declares for one operation what [`declare_common_answers`] says of every
/// operation: `security: []` when it is public, its common answers, and 400
/// when it documents no other client error.
fn answer_operation(
    path: &str,
    operation: &mut serde_json::Map<String, serde_json::Value>,
    schemas: &serde_json::Value,
) {
    use serde_json::{json, Value};
    let capability = operation.get("operationId").and_then(Value::as_str).and_then(crate::auth::policy::for_operation);
    if capability.is_some_and(|needs| needs.is_none()) && !operation.contains_key("security") {
        operation.insert("security".into(), json!([]));
    }
    let facts = operation_facts(path, operation, capability, schemas);
    let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { return };
    add_common_answers(responses, &facts);
    if !responses.keys().any(|status| status.starts_with('4')) {
        responses.insert("400".into(), problem("The query string is not valid UTF-8"));
    }
}

/// Reads an operation's [`Facts`] from the operation as the handler declared it.
fn operation_facts(
    path: &str,
    operation: &serde_json::Map<String, serde_json::Value>,
    capability: Option<Option<Capability>>,
    schemas: &serde_json::Value,
) -> Facts {
    use serde_json::Value;
    let parameters: Vec<(String, String)> = operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| (p["in"].as_str().unwrap_or_default().into(), p["name"].as_str().unwrap_or_default().into()))
        .collect();
    let takes = |location: &str, name: &str| parameters.iter().any(|(l, n)| l == location && n == name);
    Facts {
        capability,
        bearer: operation
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some())),
        body_types: operation
            .get("requestBody")
            .and_then(|b| b["content"].as_object())
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default(),
        query: parameters.iter().any(|(location, _)| location == "query"),
        if_match: takes("header", "If-Match"),
        idempotency_key: takes("header", "Idempotency-Key"),
        names_records: operation
            .get("requestBody")
            .and_then(|b| b.pointer("/content/application~1json/schema"))
            .is_some_and(|schema| names_ids(schemas, schema, 0)),
        path_noun: path_noun(path),
    }
}

/// Adds the [`common_answers`] an operation does not declare itself; to a
/// 409 it declares, adds the `Idempotency-Key` conflict.
fn add_common_answers(responses: &mut serde_json::Map<String, serde_json::Value>, facts: &Facts) {
    use serde_json::json;
    for (status, description) in common_answers(facts) {
        match responses.get_mut(status) {
            None => {
                responses.insert(status.into(), problem(&description));
            }
            Some(declared) if facts.idempotency_key && description.contains("Idempotency-Key") => {
                let own = declared["description"].as_str().unwrap_or_default().to_string();
                if !own.contains("Idempotency-Key") {
                    declared["description"] = json!(format!("{own}; or {}", description.replacen("The ", "the ", 1)));
                }
            }
            Some(_) => {}
        }
    }
}

/// Makes a page's items (`Page_X`) a reference to their named schema `X`.
fn name_page_items(value: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let names: Vec<String> = value
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| s.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(schemas) = value.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (name, schema) in schemas.iter_mut() {
            let Some(item) = name.strip_prefix("Page_") else { continue };
            if names.iter().any(|n| n == item) {
                if let Some(items) = schema.pointer_mut("/properties/items/items") {
                    *items = json!({"$ref": format!("#/components/schemas/{item}")});
                }
            }
        }
    }
}

/// Passwords: (schema, field).
const PASSWORDS: &[(&str, &str)] =
    &[("NewUserRequest", "password"), ("PasswordChange", "new_password"), ("PasswordReset", "password")];

/// The years every date must fall in (`domain::text::YEARS`), as a pattern.
const YEAR: &str = "(19[0-9]{2}|2[01][0-9]{2}|2200)";
const MONTH_DAY: &str = "(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";

/// States the service's input rules in the document, in one place, so that
/// what the document calls valid the service accepts and the other way
/// round: text patterns and lengths (from `domain::text`), ids from 1, the
/// years dates may fall in, and the shapes of `If-Match`, `Idempotency-Key`
/// and `cursor`. (The answers that follow from an operation's shape are
/// [`declare_common_answers`]'s.)
pub fn apply_conventions(doc: &mut utoipa::openapi::OpenApi) {
    let Ok(mut value) = serde_json::to_value(&*doc) else { return };
    constrain_schemas(&mut value);
    constrain_operations(&mut value);
    if let Ok(constrained) = serde_json::from_value(value) {
        *doc = constrained;
    }
}

/// The pattern of a date in the years dates may fall in.
fn date_pattern() -> String {
    format!("^{YEAR}-{MONTH_DAY}$")
}

/// The pattern of an RFC 3339 date-time in the years dates may fall in.
fn date_time_pattern() -> String {
    format!(
        "^{YEAR}-{MONTH_DAY}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{{1,9}})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
    )
}

/// The rules that follow from a value's type and format: date and
/// date-time patterns, text patterns for the `domain::text` lengths (not
/// blank when `non_blank`), and ids from 1.
fn constrain(name: &str, schema: &mut serde_json::Value, non_blank: bool) {
    use serde_json::{json, Value};
    let types: Vec<String> = match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts.iter().filter_map(|t| t.as_str().map(str::to_string)).collect(),
        _ => vec![],
    };
    let Some(obj) = schema.as_object_mut() else { return };
    if types.iter().any(|t| t == "string") && !obj.contains_key("pattern") {
        match (obj.get("format").and_then(Value::as_str), obj.get("maxLength").and_then(Value::as_u64)) {
            (Some("date"), _) => {
                obj.insert("pattern".into(), json!(date_pattern()));
            }
            (Some("date-time"), _) => {
                obj.insert("pattern".into(), json!(date_time_pattern()));
            }
            (_, Some(max)) if max == text::SHORT as u64 || max == text::LONG as u64 => {
                obj.insert("pattern".into(), json!(text::pattern(max as usize, non_blank)));
            }
            _ => {}
        }
    }
    if types.iter().any(|t| t == "integer") && (name == "id" || name.ends_with("_id")) {
        obj.insert("minimum".into(), json!(1));
    }
}

/// Constrains the properties of the named schemas: by [`constrain`], and
/// passwords, usernames and minutes by their own rules.
fn constrain_schemas(value: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let Some(schemas) = value.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    for (schema_name, schema) in schemas.iter_mut() {
        let required: Vec<String> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else { continue };
        for (name, property) in properties.iter_mut() {
            let non_blank = required.contains(name) || NON_BLANK_WHEN_GIVEN.contains(&(schema_name.as_str(), name));
            constrain(name, property, non_blank);
            if PASSWORDS.contains(&(schema_name.as_str(), name)) {
                property["minLength"] = json!(crate::auth::password::MIN_LENGTH);
                property["maxLength"] = json!(crate::auth::password::MAX_LENGTH);
            }
            if schema_name == "NewUserRequest" && name == "username" {
                property["pattern"] = json!("^[a-z0-9._-]{2,64}$");
            }
            if schema_name == "ExemptionBody" && name == "paragraph" {
                // 1-7 and 12-18 only: a range would call 8-11 valid.
                let numbers: Vec<u8> = crate::domain::exemption::ExemptParagraph::all().map(|p| p.number()).collect();
                property["enum"] = json!(numbers);
            }
            if matches!(schema_name.as_str(), "NewWebhookRequest" | "WebhookPatch") && name == "url" {
                // What `WebhookUrl::parse` takes (an address or scheme the
                // settings refuse is still 422: the service is told where it may send).
                let path = "[A-Za-z0-9._~!$&'()*+,;=:/-]*";
                property["pattern"] = json!(format!("^https?://[A-Za-z0-9.-]+(:[0-9]{{1,4}})?(/{path})?(\\?{path})?$"));
            }
            let web_address = matches!(
                (schema_name.as_str(), name.as_str()),
                ("NewPanelReportRequest", "published_url")
                    | ("PublishedResponseRequest", "url")
                    | ("StepRecordRequest", "document_url")
            );
            if web_address {
                property["pattern"] = json!(text::WEB_ADDRESS_PATTERN);
            }
            if name == "email" && matches!(schema_name.as_str(), "UserPatch" | "MePatch") {
                property["pattern"] = json!(text::EMAIL_PATTERN);
            }
            if schema_name == "MinutesBody" && name == "text" {
                property["pattern"] = json!("\\S");
            }
        }
    }
}

/// Constrains every operation's parameters ([`constrain_parameter`]) and
/// its plain-text body (not blank).
fn constrain_operations(value: &mut serde_json::Value) {
    use serde_json::{json, Value};
    let Some(paths) = value.pointer_mut("/paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, operation) in item.iter_mut() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let operation_id = operation["operationId"].as_str().unwrap_or_default().to_string();
            for parameter in operation["parameters"].as_array_mut().into_iter().flatten() {
                constrain_parameter(&operation_id, parameter);
            }
            if let Some(plain) = operation.pointer_mut("/requestBody/content/text~1plain/schema") {
                plain["pattern"] = json!("\\S");
            }
        }
    }
}

/// The shapes of `If-Match`, `Idempotency-Key`, `cursor`, `status`, `owner`
/// and `limit`; other path and query parameters by [`constrain`].
fn constrain_parameter(operation_id: &str, parameter: &mut serde_json::Value) {
    use serde_json::json;
    let name = parameter["name"].as_str().unwrap_or_default().to_string();
    let location = parameter["in"].as_str().unwrap_or_default().to_string();
    let schema = &mut parameter["schema"];
    match (location.as_str(), name.as_str()) {
        ("header", "If-Match") => schema["pattern"] = json!("^\"[1-9][0-9]{0,17}\"$"),
        ("header", "Idempotency-Key") => schema["pattern"] = json!("^[!-~]{1,200}$"),
        ("query", "cursor") => {
            let parts = if operation_id == "list_meetings" { 2 } else { 1 };
            schema["pattern"] = json!(crate::http::pagination::cursor_pattern(parts));
        }
        ("query", "status") if matches!(operation_id, "list_actions" | "list_public_actions") => {
            let one = "(open|in_progress|response_submitted|completed|withdrawn)";
            schema["pattern"] = json!(format!("^{one}(,{one})*$"));
        }
        ("query", "owner") => {
            schema["maxLength"] = json!(text::SHORT);
            schema["pattern"] = json!(text::pattern(text::SHORT, false));
        }
        ("query", "limit") if operation_id == "list_changes" => {
            schema["minimum"] = json!(1);
            schema["maximum"] = json!(crate::api::changes::MAX_LIMIT);
        }
        ("query", "limit") => {
            schema["minimum"] = json!(1);
            schema["maximum"] = json!(crate::http::pagination::MAX_LIMIT);
        }
        // Path ids start at 1; a query filter naming no record just finds nothing.
        ("path", _) => constrain(&name, schema, false),
        ("query", _) if !name.ends_with("_id") => constrain(&name, schema, false),
        _ => {}
    }
}

/// The OpenAPI document the service serves, generated from the code.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(api::health::healthz)
        .service(api::health::readyz)
        .service(api::routes())
        .split_for_parts();
    let mut doc = doc;
    add_links(&mut doc);
    apply_conventions(&mut doc);
    declare_common_answers(&mut doc);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_names_a_real_operation_with_an_id() {
        let doc = document();
        let mut operations = std::collections::HashMap::new();
        for path in doc.paths.paths.values() {
            for op in [&path.get, &path.post, &path.patch].into_iter().flatten() {
                let params: Vec<String> = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        utoipa::openapi::RefOr::T(p) => Some(p.name.clone()),
                        utoipa::openapi::RefOr::Ref(_) => None,
                    })
                    .collect();
                operations.insert(op.operation_id.clone().unwrap(), params);
            }
        }
        let mut links = 0;
        for (sources, _, targets) in LINKS {
            for source in *sources {
                assert!(operations.contains_key(*source), "no operation {source}");
            }
            for (target, needs_version) in *targets {
                let params = operations.get(*target).unwrap_or_else(|| panic!("no operation {target}"));
                assert!(params.contains(&"id".to_string()), "{target} takes no id");
                assert_eq!(params.contains(&"If-Match".to_string()), *needs_version, "{target}'s If-Match");
                links += 1;
            }
        }
        assert!(links > 20);
        assert_eq!(link_name("get_action_log"), "GetActionLog");
    }

    /// The route table the 405 answers come from is read from this document.
    #[test]
    fn known_paths_name_their_methods() {
        let table = crate::http::routes::RouteTable::from_document(&document());
        assert_eq!(table.allowed("/api/v1/actions").unwrap(), vec!["GET", "POST"]);
        assert_eq!(table.allowed("/api/v1/actions/7").unwrap(), vec!["GET", "PATCH"]);
        assert_eq!(table.allowed("/api/v1/actions/7/start").unwrap(), vec!["POST"]);
        assert_eq!(table.allowed("/healthz").unwrap(), vec!["GET"]);
        assert!(table.allowed("/api/v1/nothing").is_none());
        assert!(table.allowed("/api/v1/actions/7/start/again").is_none());
        assert!(table.allowed("/api/v1/actions//start").is_none());
    }
}
