//! The web pages through HTTP, as a browser without JavaScript uses them:
//! cookie sessions, CSRF, meeting mode, stale edits, the policy table per
//! page, hostile text, and the pages' security headers.

use std::collections::BTreeMap;

use panel_tracker::domain::{ActionStatus, Role};
use serde_json::json;

use crate::helpers::{http_client, send, Response, TestApp};

/// A browser: a cookie jar and forms sent as browsers send them.
pub struct Browser {
    base: String,
    http: awc::Client,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser { base: app.address.clone(), http: http_client(), cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, r: &Response) {
        for value in r.headers.get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            let removed = value.to_ascii_lowercase().contains("max-age=0") || v.is_empty();
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), v.to_string());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let cookie = self.cookie_header();
        let r = send(&self.http, &self.base, "GET", path, &[("cookie", &cookie)], None).await.unwrap();
        self.keep_cookies(&r);
        r
    }

    /// Sends a form's fields as they are (see [`form_fields`]).
    pub async fn submit(&mut self, path: &str, fields: &[(String, String)]) -> Response {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post(path, &pairs).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let cookie = self.cookie_header();
        let body = serde_urlencoded::to_string(fields).unwrap();
        let headers = [("cookie", cookie.as_str()), ("content-type", "application/x-www-form-urlencoded")];
        let r = send(&self.http, &self.base, "POST", path, &headers, Some(body.into_bytes())).await.unwrap();
        self.keep_cookies(&r);
        r
    }

    /// Signs in through the sign-in page.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Response {
        let form = self.get("/sign-in").await.expect(200);
        let token = hidden(&form.text, "form_token");
        self.post("/sign-in", &[("username", username), ("password", password), ("form_token", &token), ("next", "/")])
            .await
    }

    /// The CSRF token of the page at `path`.
    pub async fn csrf(&mut self, path: &str) -> String {
        hidden(&self.get(path).await.expect(200).text, "csrf_token")
    }
}

/// Every field of the form posting to `action`, as the page fills it in
/// (inputs with a value, textareas, the selected option of each select).
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html.find(&format!("action=\"{action}\"")).unwrap_or_else(|| panic!("no form for {action}"));
    let form = &html[start..start + html[start..].find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| {
        let marker = format!("{name}=\"");
        tag.find(&marker).map(|i| tag[i + marker.len()..].split('"').next().unwrap().to_string())
    };
    let mut fields = Vec::new();
    for part in form.split('<').skip(1) {
        let tag = part.split('>').next().unwrap();
        if let Some(rest) = tag.strip_prefix("input ") {
            if let (Some(name), value) = (attr(rest, "name"), attr(rest, "value")) {
                fields.push((name, unescape(&value.unwrap_or_default())));
            }
        } else if let Some(rest) = tag.strip_prefix("textarea ") {
            let text = part.split_once('>').unwrap().1;
            fields.push((attr(rest, "name").unwrap(), unescape(text)));
        } else if let Some(rest) = tag.strip_prefix("select ") {
            let name = attr(rest, "name").unwrap();
            let select = &form[form.find(tag).unwrap()..];
            let select = &select[..select.find("</select>").unwrap()];
            let selected = select
                .split("<option ")
                .skip(1)
                .find(|o| o.contains(" selected"))
                .or_else(|| select.split("<option ").nth(1));
            fields.push((name, selected.and_then(|o| attr(o, "value")).unwrap_or_default()));
        }
    }
    fields
}

/// Text as the browser reads it from HTML: entities decoded (askama writes `&#60;` and friends).
pub fn unescape(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 8) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            _ => entity.strip_prefix('#').and_then(|n| n.parse::<u32>().ok()).and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Sets a field of a form's fields.
pub fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no field {name}")).1 = value.to_string();
}

/// The value of the first hidden input with this name.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in the page")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn signed_in(app: &TestApp, username: &str, role: Role) -> Browser {
    app.create_user(username, role);
    let mut browser = Browser::new(app);
    let r = browser.sign_in(username, &format!("{username}-password")).await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/"));
    browser
}

async fn signed_out_browsers_go_to_sign_in_and_the_api_keeps_its_json(app: TestApp) {
    let mut browser = Browser::new(&app);
    let r = browser.get("/").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/sign-in"));
    let r = browser.get("/meetings/1").await.expect(303);
    assert_eq!(r.header("location").as_deref(), Some("/sign-in?next=/meetings/1"));
    let r = browser.get("/api/v1/nothing-here").await;
    assert_eq!(r.status, 401, "the API still wants a token first");
    let r = browser.get("/api/nothing").await.expect(404);
    assert!(r.header("content-type").unwrap().contains("problem+json"));
    let r = browser.get("/no-such-page").await.expect(404);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("Page not found"));
    // The sign-in page: security headers, no inline script, the form's own token cookie.
    let r = browser.get("/sign-in").await.expect(200);
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"));
    assert!(!r.text.contains("<script>"), "no inline script");
    let set = r.header("set-cookie").unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
}

async fn signing_in_sets_a_session_cookie_and_signing_out_ends_it(app: TestApp) {
    app.create_user("dso", Role::Secretariat);
    let mut browser = Browser::new(&app);
    let r = browser.sign_in("dso", "wrong password").await.expect(401);
    assert!(r.text.contains("The username or password is not right"));
    assert!(r.text.contains("value=\"dso\""), "the username is kept");
    let r = browser.sign_in("dso", "dso-password").await.expect(303);
    let set = r.header("set-cookie").unwrap();
    assert!(set.starts_with("pt_session=") && set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    assert!(!set.contains("Secure"), "plain http on a laptop: PUBLIC_URL is not https");
    let home = browser.get("/").await.expect(200);
    assert!(home.text.contains("Signed in as dso"));
    assert_eq!(home.header("cache-control").as_deref(), Some("no-store"));
    // Only the hash of the cookie's secret is stored.
    let secret = browser.cookies["pt_session"].clone();
    assert_eq!(app.count_rows(&format!("web_sessions WHERE secret_hash = '{secret}'")), 0);
    assert_eq!(app.count_rows("web_sessions"), 1);
    // Sign out ends it everywhere: the old cookie no longer works.
    let csrf = hidden(&home.text, "csrf_token");
    browser.post("/sign-out", &[("csrf_token", &csrf)]).await.expect(303);
    assert_eq!(app.count_rows("web_sessions"), 0);
    let mut replay = Browser::new(&app);
    replay.cookies.insert("pt_session".into(), secret);
    replay.get("/").await.expect(303);
}

async fn deactivation_and_password_changes_end_sessions(app: TestApp) {
    let mut opcc = signed_in(&app, "officer", Role::Opcc).await;
    opcc.get("/").await.expect(200);
    // The officer changes their password through the API: the session ends.
    let token = app.sign_in("officer", "officer-password").await.expect(200).json::<serde_json::Value>()
        ["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.client_with_token(&token)
        .post(
            "/api/v1/me/password",
            json!({"current_password": "officer-password", "new_password": "a much longer new password 42"}),
        )
        .await
        .expect(204);
    opcc.get("/").await.expect(303);
    // An admin deactivates a signed-in user: their session ends at once.
    let mut member = signed_in(&app, "councillor", Role::Member).await;
    member.get("/actions").await.expect(200);
    let admin = app.new_user("boss", Role::Admin).await;
    let user = admin.user_named("councillor").await;
    let etag = admin.get(&format!("/api/v1/users/{}", user.id)).await.etag();
    admin.patch(&format!("/api/v1/users/{}", user.id), &etag, json!({"active": false})).await.expect(200);
    member.get("/actions").await.expect(303);
}

async fn forms_without_the_sessions_csrf_token_are_refused(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("CSRF").await;
    let mut browser = signed_in(&app, "dso", Role::Secretariat).await;
    let path = format!("/meetings/{}/actions", panel.meetings[0]);
    let before = app.count_rows("actions");
    for token in [None, Some("forged"), Some("")] {
        let mut fields = vec![("description", "Report back on the estate"), ("form_id", "abc")];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let r = browser.post(&path, &fields).await.expect(403);
        assert!(r.text.contains("This form has expired"));
    }
    // Another session's token is not this one's.
    let mut other = signed_in(&app, "dso2", Role::Secretariat).await;
    let theirs = other.csrf("/").await;
    browser.post(&path, &[("description", "x"), ("form_id", "abc"), ("csrf_token", &theirs)]).await.expect(403);
    assert_eq!(app.count_rows("actions"), before, "nothing was written");
    // The sign-in form needs its own token too.
    let mut stranger = Browser::new(&app);
    stranger.post("/sign-in", &[("username", "dso"), ("password", "dso-password")]).await.expect(403);
}

async fn meeting_mode_logs_once_however_often_the_form_is_sent(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("MM").await;
    app.create_user("officer", Role::Opcc);
    let officer = app.new_user("boss", Role::Admin).await.user_named("officer").await;
    let mut browser = signed_in(&app, "dso", Role::Secretariat).await;
    let meeting = format!("/meetings/{}", panel.meetings[2]);
    let page = browser.get(&meeting).await.expect(200);
    let csrf = hidden(&page.text, "csrf_token");
    let form_id = hidden(&page.text, "form_id");
    // The due meeting defaults to the committee's next one.
    assert!(page.text.contains(&format!("<option value=\"{}\" selected>", panel.meetings[3])), "next meeting chosen");
    let owner = officer.id.to_string();
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("form_id", form_id.as_str()),
        ("minute_paragraph", "7"),
        ("committed_by", "Commissioner"),
        ("owed_to", "Cllr Jones"),
        ("description", "Report back on which school would be involved"),
        ("owner_id", owner.as_str()),
        ("due_meeting_id", ""),
    ];
    let first = browser.post(&format!("{meeting}/actions"), &fields).await.expect(303);
    let again = browser.post(&format!("{meeting}/actions"), &fields).await.expect(303);
    assert_eq!(first.header("location"), again.header("location"), "the resend is answered as the first");
    // No fragment: browsers skip `autofocus` on a page whose address names a target.
    assert!(!first.header("location").unwrap().contains('#'), "the agenda item gets the focus back");
    let actions =
        clerk.page::<serde_json::Value>(&format!("/api/v1/actions?raised_at_meeting_id={}", panel.meetings[2])).await;
    assert_eq!(actions.items.len(), 1, "one action for two sends");
    assert_eq!(actions.items[0]["owner_id"], json!(officer.id));
    let after = browser.get(first.header("location").unwrap().split('#').next().unwrap()).await.expect(200);
    assert!(after.text.contains("logged. The form is ready for the next one"));
    assert_ne!(hidden(&after.text, "form_id"), form_id, "a fresh form for the next action");
    // A form with a mistake comes back with the typed text and the error.
    let fresh = hidden(&after.text, "form_id");
    let r = browser
        .post(&format!("{meeting}/actions"), &[("csrf_token", &csrf), ("form_id", &fresh), ("owed_to", "the Panel")])
        .await
        .expect(422);
    assert!(r.text.contains("There is a problem") && r.text.contains("value=\"the Panel\""));
}

async fn a_stale_edit_is_shown_not_lost(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("ST").await;
    let action = clerk.create_action(panel.meetings[2], "Circulate the briefing").await;
    let mut browser = signed_in(&app, "dso", Role::Secretariat).await;
    let edit = format!("/actions/{}/edit", action.id);
    let form = browser.get(&edit).await.expect(200);
    let mut fields = form_fields(&form.text, &edit);
    // Someone else changes it meanwhile.
    let etag = clerk.get(&format!("/api/v1/actions/{}", action.id)).await.etag();
    clerk.patch(&format!("/api/v1/actions/{}", action.id), &etag, json!({"owed_to": "Cllr Patel"})).await.expect(200);
    let mine = "Circulate the briefing to every Member by Friday";
    set(&mut fields, "description", mine);
    let r = browser.submit(&edit, &fields).await.expect(409);
    assert!(r.text.contains("Someone changed this action after you opened it"));
    assert!(r.text.contains("Cllr Patel") && r.text.contains("clerk"), "what changed and who changed it");
    assert!(r.text.contains(mine), "the user's text is kept");
    assert_eq!(clerk.get_action(action.id).await.description, "Circulate the briefing", "nothing overwritten");
    // Sending it again applies it to the current version, keeping the other change.
    let fields = form_fields(&r.text, &edit);
    browser.submit(&edit, &fields).await.expect(303);
    let now = clerk.get_action(action.id).await;
    assert_eq!((now.description.as_str(), now.owed_to.as_deref()), (mine, Some("Cllr Patel")));
    // Even a stale form that changed nothing else writes only what it changed.
    let form = browser.get(&edit).await.expect(200);
    let mut fields = form_fields(&form.text, &edit);
    let etag = clerk.get(&format!("/api/v1/actions/{}", action.id)).await.etag();
    clerk
        .patch(&format!("/api/v1/actions/{}", action.id), &etag, json!({"committed_by": "Chief Executive"}))
        .await
        .expect(200);
    set(&mut fields, "minute_paragraph", "12");
    let again = browser.submit(&edit, &fields).await.expect(409);
    browser.submit(&edit, &form_fields(&again.text, &edit)).await.expect(303);
    let now = clerk.get_action(action.id).await;
    assert_eq!((now.minute_paragraph.as_deref(), now.committed_by.as_deref()), (Some("12"), Some("Chief Executive")));
}

async fn each_page_answers_as_the_policy_table_says(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("PW").await;
    let action = clerk.create_action(panel.meetings[2], "Check the figures").await;
    let (m, a) = (panel.meetings[2], action.id);
    let process = json!({"committee_id": panel.committee, "kind": "precept", "financial_year": 2027});
    let process = clerk.post("/api/v1/statutory-processes", process).await.expect(201).id();
    let pages = [
        ("/", [200, 200, 200, 200, 200]),
        ("/actions", [200, 200, 200, 200, 200]),
        (&format!("/actions/{a}") as &str, [200, 200, 200, 200, 200]),
        (&format!("/actions/{a}/edit"), [403, 403, 403, 200, 200]),
        (&format!("/meetings/{m}"), [200, 200, 200, 200, 200]),
        (&format!("/meetings/{m}/action-log"), [200, 200, 200, 200, 200]),
        (&format!("/committees/{}", panel.committee), [200, 200, 200, 200, 200]),
        (&format!("/meetings/{m}/cancel"), [403, 403, 403, 200, 200]),
        ("/calendar", [200, 200, 200, 200, 200]),
        ("/calendar?weeks=52", [200, 200, 200, 200, 200]),
        (&format!("/statutory-processes/{process}"), [200, 200, 200, 200, 200]),
        ("/statutory-processes/999999", [404, 404, 404, 404, 404]),
        ("/review", [403, 403, 403, 200, 200]),
        ("/admin/users", [403, 403, 403, 403, 200]),
        ("/admin/credentials", [403, 403, 403, 403, 200]),
    ];
    let roles = [Role::Reader, Role::Member, Role::Opcc, Role::Secretariat, Role::Admin];
    let mut browsers = Vec::new();
    for role in roles {
        browsers.push(signed_in(&app, &format!("walk-{role}"), role).await);
    }
    let mut anonymous = Browser::new(&app);
    for (path, expected) in pages.iter() {
        let r = anonymous.get(path).await.expect(303);
        assert!(r.header("location").unwrap().starts_with("/sign-in"), "{path}");
        for (browser, (want, role)) in browsers.iter_mut().zip(expected.iter().zip(roles)) {
            let r = browser.get(path).await;
            assert_eq!(r.status, *want, "{path} as {role}");
        }
    }
    // Forms: a reader's valid session and token still cannot log, move or administer.
    let reader = &mut browsers[0];
    let csrf = reader.csrf("/").await;
    for path in [
        format!("/meetings/{m}/actions"),
        format!("/actions/{a}/start"),
        format!("/actions/{a}/withdraw"),
        "/admin/users".into(),
        format!("/meetings/{m}/carry-forward"),
    ] {
        let r = reader.post(&path, &[("csrf_token", &csrf), ("description", "x"), ("version", "1")]).await;
        assert_eq!(r.status, 403, "{path}");
    }
    assert_eq!(clerk.get_action(a).await.status, ActionStatus::Open);
}

async fn the_story_of_a_response_through_the_pages(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("ST2").await;
    app.create_user("officer", Role::Opcc);
    let officer = app.new_user("boss", Role::Admin).await.user_named("officer").await;
    let action = clerk
        .post("/api/v1/actions", json!({"raised_at_meeting_id": panel.meetings[2], "description": "Find out which school", "owner_id": officer.id}))
        .await
        .expect(201)
        .id();
    let mut opcc = Browser::new(&app);
    opcc.sign_in("officer", "officer-password").await.expect(303);
    let home = opcc.get("/").await.expect(200);
    assert!(home.text.contains("Owed by me") && home.text.contains("Find out which school"));
    let page = opcc.get(&format!("/actions/{action}")).await.expect(200);
    assert!(page.text.contains("Submit response") && !page.text.contains("Accept response"));
    let (csrf, version) = (hidden(&page.text, "csrf_token"), hidden(&page.text, "version"));
    // Without the response the form comes back with the error.
    let r = opcc
        .post(
            &format!("/actions/{action}/submit_response"),
            &[("csrf_token", &csrf), ("version", &version), ("response", " ")],
        )
        .await
        .expect(422);
    assert!(r.text.contains("There is a problem"));
    opcc.post(
        &format!("/actions/{action}/submit_response"),
        &[("csrf_token", &csrf), ("version", &version), ("response", "Oakfield Primary")],
    )
    .await
    .expect(303);
    let mut dso = signed_in(&app, "dso", Role::Secretariat).await;
    let review = dso.get("/review").await.expect(200);
    assert!(review.text.contains("Oakfield Primary"));
    let (csrf, version) = (hidden(&review.text, "csrf_token"), hidden(&review.text, "version"));
    dso.post(
        &format!("/actions/{action}/return"),
        &[("csrf_token", &csrf), ("version", &version), ("reason", "Which year group?")],
    )
    .await
    .expect(303);
    assert_eq!(clerk.get_action(action).await.status, ActionStatus::InProgress);
    let page = dso.get(&format!("/actions/{action}")).await.expect(200);
    assert!(page.text.contains("Which year group?") && page.text.contains("Verified"));
}

async fn hostile_text_is_shown_as_text(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("XSS").await;
    let hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    let action = clerk
        .post("/api/v1/actions", json!({"raised_at_meeting_id": panel.meetings[2], "description": hostile, "owed_to": hostile, "committed_by": hostile}))
        .await
        .expect(201)
        .id();
    let process = json!({"committee_id": panel.committee, "kind": "police_and_crime_plan", "title": hostile});
    let process = clerk.post("/api/v1/statutory-processes", process).await.expect(201).id();
    let path = format!("/api/v1/statutory-processes/{process}/steps/draft_plan_received");
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    clerk.patch(&path, "\"1\"", json!({"due_on": soon})).await.expect(200);
    let mut browser = signed_in(&app, "dso", Role::Secretariat).await;
    for path in [
        format!("/statutory-processes/{process}"),
        format!("/committees/{}", panel.committee),
        "/calendar?weeks=52".into(),
        format!("/actions/{action}"),
        format!("/actions/{action}/edit"),
        format!("/meetings/{}", panel.meetings[2]),
        "/actions".into(),
        format!("/meetings/{}/action-log", panel.meetings[3]),
    ] {
        let r = browser.get(&path).await.expect(200);
        assert!(!r.text.contains("<script>alert") && !r.text.contains("<img src=x"), "{path} escapes");
        assert!(r.text.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{path} shows it as text");
    }
}

async fn assets_are_embedded_with_hashed_addresses(app: TestApp) {
    let mut browser = Browser::new(&app);
    let page = browser.get("/sign-in").await.expect(200);
    let css = page
        .text
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|h| h.ends_with(".css")))
        .unwrap()
        .to_string();
    let r = browser.get(&css).await.expect(200);
    assert_eq!(r.header("cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
    assert!(r.header("content-type").unwrap().starts_with("text/css"));
    assert!(!r.text.contains("GDS Transport"));
    browser.get("/assets/000000000000/govuk-frontend.min.css").await.expect(404);
    // A first view of a page transfers under 250 KB.
    let mut total = page.text.len();
    for href in page.text.split(['"']).filter(|s| s.starts_with("/assets/")) {
        total += browser.get(href).await.expect(200).text.len();
    }
    assert!(total < 250_000, "{total} bytes");
}

async fn home_shows_each_committee_with_its_next_meeting_and_counts(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("HOME").await;
    let overdue = clerk.create_action(panel.meetings[0], "Send the overdue figures").await;
    assert_eq!(overdue.due_meeting_id, Some(panel.meetings[1]));
    clerk
        .post(
            "/api/v1/actions",
            json!({"raised_at_meeting_id": panel.meetings[1], "description": "Bring the plan", "due_meeting_id": panel.meetings[2]}),
        )
        .await
        .expect(201);
    let mut dso = signed_in(&app, "dso", Role::Secretariat).await;
    let home = dso.get("/").await.expect(200);
    let row = home
        .text
        .split("<tr class=\"govuk-table__row\">")
        .find(|r| r.contains(&format!("/committees/{}", panel.committee)))
        .unwrap();
    assert!(row.contains(&format!("/meetings/{}", panel.meetings[2])) && row.contains("(1 due)"), "{row}");
    let numbers: Vec<&str> =
        row.split("govuk-table__cell--numeric\">").skip(1).map(|c| c.split('<').next().unwrap()).collect();
    assert_eq!(numbers.first(), Some(&"2"), "two unfinished: {row}");
    assert!(row.contains("govuk-tag--red\">1<"), "one overdue: {row}");
    assert!(home.text.contains("Send the overdue figures"), "the overdue list");
    // A reader sees the committees but not the secretariat's queues.
    let mut reader = signed_in(&app, "councillor", Role::Member).await;
    let home = reader.get("/").await.expect(200);
    assert!(home.text.contains(&format!("/committees/{}", panel.committee)));
    assert!(!home.text.contains("Responses waiting for review"));
}

async fn pasted_minutes_become_actions_after_a_check(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("MIN").await;
    let mut dso = signed_in(&app, "dso", Role::Secretariat).await;
    let meeting = format!("/meetings/{}", panel.meetings[2]);
    let csrf = dso.csrf(&meeting).await;
    let minutes = "7. In response to a question about the youth scheme the Commissioner would report back to the \
                   Member on which school would be involved.\n\n8. The Chief Executive agreed to circulate the \
                   action plan to all Members.\n\n9. The report was noted.";
    let found =
        dso.post(&format!("{meeting}/minutes"), &[("csrf_token", &csrf), ("minutes", minutes)]).await.expect(200);
    assert!(found.text.contains("Commitment 1") && found.text.contains("Commitment 2"), "two candidates");
    assert!(!found.text.contains("Commitment 3"), "the noting is not a commitment");
    let log = format!("{meeting}/minutes/log");
    let mut fields = form_fields(&found.text, &log);
    // A mistake comes back with every candidate as typed and the error named.
    set(&mut fields, "c1_description", "");
    let r = dso.submit(&log, &fields).await.expect(422);
    assert!(r.text.contains("Commitment 2: description"), "the error names the commitment");
    assert!(r.text.contains("which school would be involved"), "the rows are kept");
    assert_eq!(app.count_rows("actions"), 0, "nothing logged");
    // Unselect the second, log the first; sending it twice logs it once.
    let mut fields = form_fields(&r.text, &log);
    fields.retain(|(k, _)| k != "c1_selected");
    dso.submit(&log, &fields).await.expect(303);
    dso.submit(&log, &fields).await.expect(303);
    let actions =
        clerk.page::<serde_json::Value>(&format!("/api/v1/actions?raised_at_meeting_id={}", panel.meetings[2])).await;
    assert_eq!(actions.items.len(), 1);
    let action = &actions.items[0];
    assert_eq!(action["minute_paragraph"], json!("7"));
    assert!(action["source_sentence"].as_str().unwrap().contains("would report back"), "{action}");
    assert_eq!(action["due_meeting_id"], json!(panel.meetings[3]), "due at the next meeting by default");
}

async fn the_sign_in_page_is_throttled_like_the_api(app: TestApp) {
    app.create_user("dso", Role::Secretariat);
    let mut browser = Browser::new(&app);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(browser.sign_in("dso", "a wrong guess").await.status);
    }
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    let refused = browser.sign_in("dso", "dso-password").await.expect(429);
    assert!(refused.header("retry-after").is_some());
    assert!(refused.text.contains("too many failed sign-ins"), "the sign-in page says why: {}", refused.text);
    // The API counts the same failures: it refuses too.
    app.sign_in("dso", "dso-password").await.expect_problem(429);
}

async fn cancelling_a_meeting_is_confirmed_and_moves_its_actions(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("CAN").await;
    let action = clerk.create_action(panel.meetings[1], "Bring the revised plan").await;
    let etag = clerk.get(&format!("/api/v1/actions/{}", action.id)).await.etag();
    clerk
        .patch(&format!("/api/v1/actions/{}", action.id), &etag, json!({"due_meeting_id": panel.meetings[2]}))
        .await
        .expect(200);
    let mut dso = signed_in(&app, "dso", Role::Secretariat).await;
    let cancel = format!("/meetings/{}/cancel", panel.meetings[2]);
    let confirm = dso.get(&cancel).await.expect(200);
    assert!(
        confirm.text.contains("Are you sure") && confirm.text.contains("The unfinished action due at it will move")
    );
    let r = dso.submit(&cancel, &form_fields(&confirm.text, &cancel)).await.expect(303);
    assert_eq!(r.header("location").unwrap(), format!("/meetings/{}?notice=cancelled", panel.meetings[2]));
    assert_eq!(clerk.get_action(action.id).await.due_meeting_id, Some(panel.meetings[3]), "moved to the next meeting");
    // The same confirmation sent again is stale: refused, nothing moves twice.
    dso.submit(&cancel, &form_fields(&confirm.text, &cancel)).await.expect(412);
}

async fn the_action_list_filters_and_pages_like_the_api(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("LST").await;
    let other = clerk.panel("OTH").await;
    for n in 0..55 {
        clerk.create_action(panel.meetings[2], &format!("Panel action {n:02}")).await;
    }
    let elsewhere = clerk.create_action(other.meetings[0], "Elsewhere and overdue").await;
    let mut reader = signed_in(&app, "councillor", Role::Member).await;
    let first = reader.get(&format!("/actions?committee_id={}", panel.committee)).await.expect(200);
    assert_eq!(first.text.matches("Panel action").count(), 50, "a page of 50");
    assert!(!first.text.contains("Elsewhere"));
    let next =
        first.text.split("href=\"").find(|h| h.contains("after=")).unwrap().split('"').next().unwrap().to_string();
    let next = unescape(&next);
    let second = reader.get(&next).await.expect(200);
    assert_eq!(second.text.matches("Panel action").count(), 5, "the rest, by the same filter");
    assert!(!second.text.contains("rel=\"next\""));
    // The filters of the API: overdue, due meeting, status.
    let overdue = reader.get("/actions?overdue=true").await.expect(200);
    assert!(overdue.text.contains(&elsewhere.reference) && !overdue.text.contains("Panel action"));
    let due = reader.get(&format!("/actions?due_meeting_id={}", panel.meetings[3])).await.expect(200);
    assert_eq!(due.text.matches("Panel action").count(), 50);
    assert!(
        due.text.contains(&format!("<option value=\"{}\" selected>", panel.meetings[3]))
            || !due.text.contains("<option"),
        "the chosen meeting stays chosen"
    );
    let withdrawn = reader.get("/actions?status=withdrawn").await.expect(200);
    assert!(withdrawn.text.contains("No actions match."));
    // A filter value that is not one is ignored rather than an error page.
    reader.get("/actions?committee_id=abc&due_meeting_id=%3Cx%3E").await.expect(200);
}

/// The demo as a newcomer meets it: the OPCC user owns actions, so
/// "owed by me" has something in it.
#[actix_web::test]
async fn the_demo_opcc_user_sees_what_they_owe() {
    let app = crate::helpers::spawn_demo(false).await.unwrap();
    let mut opcc = Browser::new(&app);
    opcc.sign_in("demo-opcc", "demo-opcc-password").await.expect(303);
    let home = opcc.get("/").await.expect(200);
    let owed = home.text.split("id=\"owed-by-me\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(owed.contains("Head of Performance, OPCC"), "{owed}");
}

async fn forms_are_held_to_the_apis_rules(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("RUL").await;
    let mut dso = signed_in(&app, "dso", Role::Secretariat).await;
    // `next` never leaves the site, even with characters browsers drop.
    for next in ["/%09/evil.example/phish", "//evil.example", "/%0d%0a/evil.example", "https://evil.example"] {
        let r = dso.get(&format!("/sign-in?next={next}")).await.expect(303);
        assert_eq!(r.header("location").as_deref(), Some("/"), "{next}");
    }
    // A pasted sentence is held to the API's text rules.
    let (a, b) = (panel.meetings[2], panel.meetings[3]);
    let csrf = dso.csrf(&format!("/meetings/{a}")).await;
    let long = format!("{}\u{1}", "x".repeat(10_001));
    let r = dso
        .post(
            &format!("/meetings/{a}/minutes/log"),
            &[
                ("csrf_token", &csrf),
                ("form_id", "f1"),
                ("count", "1"),
                ("c0_selected", "yes"),
                ("c0_description", "Report back"),
                ("c0_sentence", &long),
            ],
        )
        .await
        .expect(422);
    assert!(r.text.contains("Commitment 1: the sentence"));
    assert_eq!(app.count_rows("actions"), 0);
    // One form key at two meetings is two forms: each logs its own action.
    let fields =
        [("csrf_token", csrf.as_str()), ("form_id", "same"), ("description", "Report back"), ("due_meeting_id", "")];
    let first = dso.post(&format!("/meetings/{a}/actions"), &fields).await.expect(303);
    let second = dso.post(&format!("/meetings/{b}/actions"), &fields).await.expect(303);
    assert_ne!(first.header("location"), second.header("location"));
    assert_eq!(app.count_rows("actions"), 2);
    // A form bigger than its page takes is refused before anything is done.
    let big = "x".repeat(100 * 1024);
    dso.post(&format!("/meetings/{a}/actions"), &[("csrf_token", &csrf), ("form_id", "big"), ("description", &big)])
        .await
        .expect(413);
    // A reader's large form is refused for the role, whatever its size.
    let mut reader = signed_in(&app, "councillor", Role::Reader).await;
    reader.post(&format!("/meetings/{a}/minutes"), &[("minutes", &big)]).await.expect(403);
    assert_eq!(app.count_rows("actions"), 2);
}

async fn signing_in_again_ends_the_session_before(app: TestApp) {
    let mut browser = signed_in(&app, "first", Role::Member).await;
    let old = browser.cookies["pt_session"].clone();
    app.create_user("second", Role::Opcc);
    // A sign-in form still open from before (its token cookie as it was) is sent as someone else.
    let mut fresh = Browser::new(&app);
    let token = hidden(&fresh.get("/sign-in").await.expect(200).text, "form_token");
    browser.cookies.insert("pt_sign_in".into(), token.clone());
    browser
        .post("/sign-in", &[("username", "second"), ("password", "second-password"), ("form_token", &token)])
        .await
        .expect(303);
    assert_ne!(browser.cookies["pt_session"], old);
    assert_eq!(app.count_rows("web_sessions"), 1, "only the new session is left");
    let mut stale = Browser::new(&app);
    stale.cookies.insert("pt_session".into(), old);
    stale.get("/").await.expect(303);
    // A planted sign-in cookie of another shape is not reused.
    let mut planted = Browser::new(&app);
    planted.cookies.insert("pt_sign_in".into(), "chosen-by-an-attacker".into());
    let form = planted.get("/sign-in").await.expect(200);
    assert_ne!(hidden(&form.text, "form_token"), "chosen-by-an-attacker");
    planted
        .post(
            "/sign-in",
            &[("username", "first"), ("password", "first-password"), ("form_token", "chosen-by-an-attacker")],
        )
        .await;
    assert!(!planted.cookies.contains_key("pt_session") || planted.cookies["pt_sign_in"] != "chosen-by-an-attacker");
}

/// The sign-in page cuts off a client that sends its form slowly, as the API does.
#[actix_web::test]
async fn a_slow_sign_in_form_is_cut_off() {
    use std::io::Write;
    let app = crate::limits::short_timeouts(false).await;
    let mut browser = Browser::new(&app);
    let token = hidden(&browser.get("/sign-in").await.expect(200).text, "form_token");
    let mut stream = std::net::TcpStream::connect(crate::limits::host_port(&app)).unwrap();
    let head = format!(
        "POST /sign-in HTTP/1.1\r\nHost: localhost\r\nCookie: pt_sign_in={token}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60\r\n\r\nusername="
    );
    stream.write_all(head.as_bytes()).unwrap();
    let (answer, took) = crate::limits::read_until_closed(&mut stream, std::time::Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(took < std::time::Duration::from_secs(5), "cut off after {took:?}");
}

async fn a_busy_meeting_page_shows_the_first_hundred_and_links_the_rest(app: TestApp) {
    let clerk = app.as_secretariat();
    let panel = clerk.panel("BUSY").await;
    for n in 0..103 {
        clerk.create_action(panel.meetings[2], &format!("Busy action {n:03}")).await;
    }
    let mut reader = signed_in(&app, "councillor", Role::Member).await;
    let page = reader.get(&format!("/meetings/{}", panel.meetings[2])).await.expect(200);
    assert_eq!(page.text.matches("Busy action").count(), 100);
    let link = format!("/actions?raised_at_meeting_id={}", panel.meetings[2]);
    assert!(page.text.contains(&link));
    let all = reader.get(&link).await.expect(200);
    assert_eq!(all.text.matches("Busy action").count(), 50, "the list pages the rest");
    let next = unescape(all.text.split("href=\"").find(|h| h.contains("after=")).unwrap().split('"').next().unwrap());
    assert!(next.contains(&format!("raised_at_meeting_id={}", panel.meetings[2])), "{next}");
    let due = clerk
        .page::<serde_json::Value>(&format!("/api/v1/actions?due_meeting_id={}&limit=200", panel.meetings[3]))
        .await;
    let carry = reader.get(&format!("/meetings/{}", panel.meetings[3])).await.expect(200);
    assert!(
        carry.text.contains(&format!("/actions?due_meeting_id={}", panel.meetings[3])),
        "due here: {}",
        due.items.len()
    );
}

crate::on_both_backends!(
    a_busy_meeting_page_shows_the_first_hundred_and_links_the_rest,
    forms_are_held_to_the_apis_rules,
    signing_in_again_ends_the_session_before,
    the_action_list_filters_and_pages_like_the_api,
    cancelling_a_meeting_is_confirmed_and_moves_its_actions,
    the_sign_in_page_is_throttled_like_the_api,
    pasted_minutes_become_actions_after_a_check,
    home_shows_each_committee_with_its_next_meeting_and_counts,
    signed_out_browsers_go_to_sign_in_and_the_api_keeps_its_json,
    signing_in_sets_a_session_cookie_and_signing_out_ends_it,
    deactivation_and_password_changes_end_sessions,
    forms_without_the_sessions_csrf_token_are_refused,
    meeting_mode_logs_once_however_often_the_form_is_sent,
    a_stale_edit_is_shown_not_lost,
    each_page_answers_as_the_policy_table_says,
    the_story_of_a_response_through_the_pages,
    hostile_text_is_shown_as_text,
    assets_are_embedded_with_hashed_addresses,
);
