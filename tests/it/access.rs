//! Who may open what: every mounted route, taken from the Rocket instance itself, is checked for
//! anonymous visitors, viewers, officers and admins against this table. A route without an entry
//! fails the test, so no route can be forgotten.

use ipdesk::auth::Role;
use ipdesk::auth::guards::SESSION_COOKIE;
use rocket::http::{ContentType, Cookie, Header, Method, Status};

use crate::support::TestApp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone; the route answers for itself (a setup link may still be refused).
    Public,
    At(Role),
}

use Access::{At, Public};

/// (method, route path as mounted, a URI to request, who may use it).
#[rustfmt::skip]
pub(crate) const TABLE: &[(Method, &str, &str, Access)] = &[
    (Method::Get, "/", "/", At(Role::Viewer)),
    (Method::Get, "/healthz", "/healthz", Public),
    (Method::Get, "/lang/<code>", "/lang/en?next=/", Public),
    (Method::Get, "/static/<path..>", "/static/app.css", Public),
    (Method::Get, "/login", "/login", Public),
    (Method::Post, "/login", "/login", Public),
    (Method::Post, "/logout", "/logout", At(Role::Viewer)),
    (Method::Get, "/setup", "/setup?token=x", Public),
    (Method::Post, "/setup", "/setup", Public),
    (Method::Get, "/account/password", "/account/password", At(Role::Viewer)),
    (Method::Post, "/account/password", "/account/password", At(Role::Viewer)),
    (Method::Get, "/admin/users", "/admin/users", At(Role::Admin)),
    (Method::Post, "/admin/users", "/admin/users", At(Role::Admin)),
    (Method::Post, "/admin/users/<id>/<action>", "/admin/users/999999/disable", At(Role::Admin)),
    (Method::Get, "/admin/tokens", "/admin/tokens", At(Role::Admin)),
    (Method::Post, "/admin/tokens", "/admin/tokens", At(Role::Admin)),
    (Method::Post, "/admin/tokens/<id>/revoke", "/admin/tokens/999999/revoke", At(Role::Admin)),
    (Method::Get, "/admin/audit", "/admin/audit", At(Role::Admin)),
    (Method::Get, "/settings", "/settings", At(Role::Admin)),
    (Method::Post, "/settings/jurisdiction", "/settings/jurisdiction", At(Role::Admin)),
    (Method::Post, "/settings/timezone", "/settings/timezone", At(Role::Admin)),
    (Method::Post, "/settings/secure_cookies", "/settings/secure_cookies", At(Role::Admin)),
    (Method::Post, "/settings/backup", "/settings/backup", At(Role::Admin)),
    (Method::Post, "/settings/<kind>", "/settings/townships", At(Role::Admin)),
    (Method::Post, "/settings/<kind>/<id>/<action>", "/settings/townships/999999/rename", At(Role::Admin)),
    (Method::Get, "/api/v1/me", "/api/v1/me", At(Role::Viewer)),
    (Method::Get, "/api/v1/users", "/api/v1/users", At(Role::Admin)),
    (Method::Post, "/api/v1/users", "/api/v1/users", At(Role::Admin)),
    (Method::Patch, "/api/v1/users/<id>", "/api/v1/users/999999", At(Role::Admin)),
    (Method::Get, "/api/v1/tokens", "/api/v1/tokens", At(Role::Admin)),
    (Method::Post, "/api/v1/tokens", "/api/v1/tokens", At(Role::Admin)),
    (Method::Delete, "/api/v1/tokens/<id>", "/api/v1/tokens/999999", At(Role::Admin)),
    (Method::Delete, "/api/v1/<register>/<id>", "/api/v1/patents/1", At(Role::Viewer)),
    (Method::Get, "/api/v1/audit", "/api/v1/audit", At(Role::Admin)),
    (Method::Get, "/api/v1/settings", "/api/v1/settings", At(Role::Viewer)),
    (Method::Put, "/api/v1/settings/jurisdiction", "/api/v1/settings/jurisdiction", At(Role::Admin)),
    (Method::Put, "/api/v1/settings/timezone", "/api/v1/settings/timezone", At(Role::Admin)),
    (Method::Put, "/api/v1/settings/secure_cookies", "/api/v1/settings/secure_cookies", At(Role::Admin)),
    (Method::Post, "/api/v1/backup", "/api/v1/backup", At(Role::Admin)),
    (Method::Get, "/api/v1/<kind>", "/api/v1/townships", At(Role::Viewer)),
    (Method::Get, "/api/v1/<kind>/<id>", "/api/v1/agencies/999999", At(Role::Viewer)),
    (Method::Post, "/api/v1/<kind>", "/api/v1/townships", At(Role::Admin)),
    (Method::Patch, "/api/v1/<kind>/<id>", "/api/v1/townships/999999", At(Role::Admin)),
    (Method::Get, "/patents", "/patents?type=invention&q=%E8%8C%B6", At(Role::Viewer)),
    (Method::Get, "/patents/new", "/patents/new", At(Role::Officer)),
    (Method::Post, "/patents", "/patents", At(Role::Officer)),
    (Method::Get, "/patents/<id>", "/patents/999999", At(Role::Viewer)),
    (Method::Get, "/patents/<id>/edit", "/patents/999999/edit", At(Role::Officer)),
    (Method::Post, "/patents/<id>", "/patents/999999", At(Role::Officer)),
    (Method::Post, "/patents/<id>/events", "/patents/999999/events", At(Role::Officer)),
    (Method::Post, "/patents/<id>/<action>", "/patents/999999/archive", At(Role::Admin)),
    (Method::Get, "/enterprises", "/enterprises", At(Role::Viewer)),
    (Method::Get, "/enterprises/new", "/enterprises/new", At(Role::Officer)),
    (Method::Post, "/enterprises", "/enterprises", At(Role::Officer)),
    (Method::Get, "/enterprises/<id>", "/enterprises/999999", At(Role::Viewer)),
    (Method::Get, "/enterprises/<id>/edit", "/enterprises/999999/edit", At(Role::Officer)),
    (Method::Post, "/enterprises/<id>", "/enterprises/999999", At(Role::Officer)),
    (Method::Post, "/enterprises/<id>/<action>", "/enterprises/999999/archive", At(Role::Admin)),
    (Method::Get, "/enterprises/unlinked", "/enterprises/unlinked", At(Role::Viewer)),
    (Method::Post, "/enterprises/unlinked/link", "/enterprises/unlinked/link", At(Role::Officer)),
    (Method::Post, "/enterprises/unlinked/create", "/enterprises/unlinked/create", At(Role::Officer)),
    (Method::Get, "/enterprises/townships", "/enterprises/townships", At(Role::Viewer)),
    (Method::Post, "/enterprises/townships", "/enterprises/townships", At(Role::Officer)),
    (Method::Get, "/api/v1/patents", "/api/v1/patents?granted_year=2026", At(Role::Viewer)),
    (Method::Post, "/api/v1/patents", "/api/v1/patents", At(Role::Officer)),
    (Method::Get, "/api/v1/patents/<id>", "/api/v1/patents/999999", At(Role::Viewer)),
    (Method::Put, "/api/v1/patents/<id>", "/api/v1/patents/999999", At(Role::Officer)),
    (Method::Post, "/api/v1/patents/<id>/events", "/api/v1/patents/999999/events", At(Role::Officer)),
    (Method::Post, "/api/v1/patents/<id>/<action>", "/api/v1/patents/999999/restore", At(Role::Admin)),
    (Method::Get, "/api/v1/enterprises", "/api/v1/enterprises", At(Role::Viewer)),
    (Method::Post, "/api/v1/enterprises", "/api/v1/enterprises", At(Role::Officer)),
    (Method::Get, "/api/v1/enterprises/<id>", "/api/v1/enterprises/999999", At(Role::Viewer)),
    (Method::Get, "/api/v1/enterprises/<id>/figures", "/api/v1/enterprises/999999/figures", At(Role::Viewer)),
    (Method::Put, "/api/v1/enterprises/<id>", "/api/v1/enterprises/999999", At(Role::Officer)),
    (Method::Post, "/api/v1/enterprises/<id>/<action>", "/api/v1/enterprises/999999/restore", At(Role::Admin)),
    (Method::Post, "/api/v1/enterprises/<id>/names", "/api/v1/enterprises/999999/names", At(Role::Officer)),
    (Method::Get, "/api/v1/enterprises/unlinked", "/api/v1/enterprises/unlinked", At(Role::Viewer)),
    (Method::Get, "/api/v1/enterprises/townships", "/api/v1/enterprises/townships", At(Role::Viewer)),
    (Method::Post, "/api/v1/enterprises/townships", "/api/v1/enterprises/townships", At(Role::Officer)),
    (Method::Post, "/demo", "/demo", At(Role::Admin)),
    (Method::Post, "/api/v1/demo", "/api/v1/demo", At(Role::Admin)),
    (Method::Get, "/samples/<name>", "/samples/patents-grants-sample.xlsx", At(Role::Viewer)),
    (Method::Get, "/imports", "/imports", At(Role::Viewer)),
    (Method::Post, "/imports", "/imports", At(Role::Officer)),
    (Method::Get, "/imports/<id>", "/imports/999999?status=new", At(Role::Viewer)),
    (Method::Post, "/imports/<id>/preview", "/imports/999999/preview", At(Role::Officer)),
    (Method::Post, "/imports/<id>/commit", "/imports/999999/commit", At(Role::Officer)),
    (Method::Get, "/imports/<id>/progress", "/imports/999999/progress", At(Role::Viewer)),
    (Method::Post, "/imports/<id>/undo", "/imports/999999/undo", At(Role::Officer)),
    (Method::Get, "/imports/<id>/errors.xlsx", "/imports/999999/errors.xlsx", At(Role::Viewer)),
    (Method::Get, "/api/v1/imports", "/api/v1/imports", At(Role::Viewer)),
    (Method::Post, "/api/v1/imports", "/api/v1/imports", At(Role::Officer)),
    (Method::Get, "/api/v1/imports/<id>", "/api/v1/imports/999999", At(Role::Viewer)),
    (Method::Post, "/api/v1/imports/<id>/undo", "/api/v1/imports/999999/undo", At(Role::Officer)),
    (Method::Get, "/api/v1/imports/<id>/errors.xlsx", "/api/v1/imports/999999/errors.xlsx", At(Role::Viewer)),
    (Method::Get, "/exports/<file>", "/exports/patents.xlsx", At(Role::Viewer)),
    (Method::Get, "/api/v1/exports/<file>", "/api/v1/exports/enterprises.xlsx", At(Role::Viewer)),
    (Method::Get, "/api/v1/reports/ytd", "/api/v1/reports/ytd", At(Role::Viewer)),
    (Method::Get, "/api/v1/reports/summary", "/api/v1/reports/summary", At(Role::Viewer)),
    (Method::Get, "/reports", "/reports?year=2026", At(Role::Viewer)),
    (Method::Get, "/reports/ytd.xlsx", "/reports/ytd.xlsx", At(Role::Viewer)),
    (Method::Get, "/api/v1/reports/ytd.xlsx", "/api/v1/reports/ytd.xlsx", At(Role::Viewer)),
    (Method::Get, "/reports/targets", "/reports/targets?year=2026", At(Role::Viewer)),
    (Method::Post, "/reports/targets", "/reports/targets", At(Role::Admin)),
    (Method::Get, "/api/v1/targets", "/api/v1/targets?year=2026", At(Role::Viewer)),
    (Method::Get, "/events", "/events", At(Role::Viewer)),
    (Method::Get, "/events/new", "/events/new", At(Role::Officer)),
    (Method::Post, "/events", "/events", At(Role::Officer)),
    (Method::Get, "/events/<id>", "/events/999999", At(Role::Viewer)),
    (Method::Get, "/events/<id>/edit", "/events/999999/edit", At(Role::Officer)),
    (Method::Post, "/events/<id>", "/events/999999", At(Role::Officer)),
    (Method::Post, "/events/<id>/<action>", "/events/999999/archive", At(Role::Admin)),
    (Method::Get, "/api/v1/events", "/api/v1/events", At(Role::Viewer)),
    (Method::Post, "/api/v1/events", "/api/v1/events", At(Role::Officer)),
    (Method::Get, "/api/v1/events/<id>", "/api/v1/events/999999", At(Role::Viewer)),
    (Method::Put, "/api/v1/events/<id>", "/api/v1/events/999999", At(Role::Officer)),
    (Method::Post, "/api/v1/events/<id>/<action>", "/api/v1/events/999999/archive", At(Role::Admin)),
    (Method::Get, "/visits", "/visits?open=true", At(Role::Viewer)),
    (Method::Get, "/visits/new", "/visits/new?enterprise=%E7%94%B2", At(Role::Officer)),
    (Method::Post, "/visits", "/visits", At(Role::Officer)),
    (Method::Get, "/visits/<id>", "/visits/999999", At(Role::Viewer)),
    (Method::Get, "/visits/<id>/edit", "/visits/999999/edit", At(Role::Officer)),
    (Method::Post, "/visits/<id>", "/visits/999999", At(Role::Officer)),
    (Method::Post, "/visits/<id>/<action>", "/visits/999999/archive", At(Role::Admin)),
    (Method::Get, "/api/v1/visits", "/api/v1/visits", At(Role::Viewer)),
    (Method::Post, "/api/v1/visits", "/api/v1/visits", At(Role::Officer)),
    (Method::Get, "/api/v1/visits/follow-ups/due", "/api/v1/visits/follow-ups/due", At(Role::Viewer)),
    (Method::Get, "/api/v1/visits/<id>", "/api/v1/visits/999999", At(Role::Viewer)),
    (Method::Put, "/api/v1/visits/<id>", "/api/v1/visits/999999", At(Role::Officer)),
    (Method::Post, "/api/v1/visits/<id>/<action>", "/api/v1/visits/999999/archive", At(Role::Admin)),
    (Method::Get, "/inspections", "/inspections?from=2026-01-01", At(Role::Viewer)),
    (Method::Get, "/inspections/new", "/inspections/new", At(Role::Officer)),
    (Method::Post, "/inspections", "/inspections", At(Role::Officer)),
    (Method::Get, "/inspections/<id>", "/inspections/999999", At(Role::Viewer)),
    (Method::Get, "/inspections/<id>/edit", "/inspections/999999/edit", At(Role::Officer)),
    (Method::Post, "/inspections/<id>", "/inspections/999999", At(Role::Officer)),
    (Method::Post, "/inspections/<id>/<action>", "/inspections/999999/archive", At(Role::Admin)),
    (Method::Get, "/api/v1/inspections", "/api/v1/inspections", At(Role::Viewer)),
    (Method::Post, "/api/v1/inspections", "/api/v1/inspections", At(Role::Officer)),
    (Method::Get, "/api/v1/inspections/<id>", "/api/v1/inspections/999999", At(Role::Viewer)),
    (Method::Put, "/api/v1/inspections/<id>", "/api/v1/inspections/999999", At(Role::Officer)),
    (Method::Post, "/api/v1/inspections/<id>/<action>", "/api/v1/inspections/999999/archive", At(Role::Admin)),
    (Method::Get, "/cases", "/cases?deadline=overdue", At(Role::Viewer)),
    (Method::Get, "/cases/new", "/cases/new", At(Role::Officer)),
    (Method::Post, "/cases", "/cases", At(Role::Officer)),
    (Method::Get, "/cases/<id>", "/cases/999999", At(Role::Viewer)),
    (Method::Get, "/cases/<id>/print", "/cases/999999/print", At(Role::Viewer)),
    (Method::Get, "/cases/<id>/edit", "/cases/999999/edit", At(Role::Officer)),
    (Method::Post, "/cases/<id>", "/cases/999999", At(Role::Officer)),
    (Method::Post, "/cases/<id>/steps", "/cases/999999/steps", At(Role::Officer)),
    (Method::Post, "/cases/<id>/attachments", "/cases/999999/attachments", At(Role::Officer)),
    (Method::Get, "/cases/<id>/attachments/<file>", "/cases/999999/attachments/1", At(Role::Viewer)),
    (Method::Post, "/cases/<id>/<action>", "/cases/999999/archive", At(Role::Admin)),
    (Method::Get, "/api/v1/cases", "/api/v1/cases", At(Role::Viewer)),
    (Method::Post, "/api/v1/cases", "/api/v1/cases", At(Role::Officer)),
    (Method::Get, "/api/v1/cases/<id>", "/api/v1/cases/999999", At(Role::Viewer)),
    (Method::Put, "/api/v1/cases/<id>", "/api/v1/cases/999999", At(Role::Officer)),
    (Method::Post, "/api/v1/cases/<id>/steps", "/api/v1/cases/999999/steps", At(Role::Officer)),
    (Method::Post, "/api/v1/cases/<id>/attachments", "/api/v1/cases/999999/attachments", At(Role::Officer)),
    (Method::Get, "/api/v1/cases/<id>/attachments/<file>", "/api/v1/cases/999999/attachments/1", At(Role::Viewer)),
    (Method::Post, "/api/v1/cases/<id>/<action>", "/api/v1/cases/999999/archive", At(Role::Admin)),
    (Method::Get, "/settings/calendar", "/settings/calendar?year=2026", At(Role::Viewer)),
    (Method::Post, "/settings/calendar", "/settings/calendar", At(Role::Admin)),
    (Method::Post, "/settings/calendar/<day>/remove", "/settings/calendar/2026-10-01/remove", At(Role::Admin)),
    (Method::Post, "/settings/calendar/import", "/settings/calendar/import", At(Role::Admin)),
    (Method::Post, "/settings/calendar/<year>/notice", "/settings/calendar/2026/notice", At(Role::Admin)),
    (Method::Get, "/api/v1/calendar", "/api/v1/calendar?year=2026", At(Role::Viewer)),
    (Method::Put, "/api/v1/calendar/<day>", "/api/v1/calendar/2026-10-01", At(Role::Admin)),
    (Method::Delete, "/api/v1/calendar/<day>", "/api/v1/calendar/2026-10-01", At(Role::Admin)),
    (Method::Post, "/api/v1/calendar/import", "/api/v1/calendar/import", At(Role::Admin)),
    (Method::Post, "/api/v1/calendar/notices/<year>", "/api/v1/calendar/notices/2026", At(Role::Admin)),
    (Method::Get, "/settings/deadlines", "/settings/deadlines", At(Role::Viewer)),
    (Method::Post, "/settings/deadlines/<code>", "/settings/deadlines/service", At(Role::Admin)),
    (Method::Post, "/settings/deadlines/<code>/reset", "/settings/deadlines/service/reset", At(Role::Admin)),
    (Method::Get, "/api/v1/deadline-rules", "/api/v1/deadline-rules", At(Role::Viewer)),
    (Method::Put, "/api/v1/deadline-rules/<code>", "/api/v1/deadline-rules/service", At(Role::Admin)),
    (Method::Delete, "/api/v1/deadline-rules/<code>", "/api/v1/deadline-rules/service", At(Role::Admin)),
    (Method::Put, "/api/v1/targets", "/api/v1/targets", At(Role::Admin)),
];

#[rocket::async_test]
async fn every_route_is_in_the_access_table() {
    let app = TestApp::spawn().await;
    let mounted: Vec<(Method, String)> = app
        .client
        .rocket()
        .routes()
        .map(|route| (route.method, route.uri.path().to_string()))
        .collect();
    let missing: Vec<String> = mounted
        .iter()
        .filter(|(method, path)| !TABLE.iter().any(|(m, p, _, _)| m == method && p == path))
        .map(|(method, path)| format!("{method} {path}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the access table:\n{}",
        missing.join("\n")
    );
    let stale: Vec<String> = TABLE
        .iter()
        .filter(|(m, p, _, _)| {
            !mounted
                .iter()
                .any(|(method, path)| method == m && path == p)
        })
        .map(|(m, p, _, _)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "table entries for routes that do not exist:\n{}",
        stale.join("\n")
    );
}

/// A fresh session for a user, as a browser would hold it: (cookie value, CSRF token).
async fn session_for(app: &TestApp, username: &str) -> (String, String) {
    let row = ipdesk::auth::users::find(&app.db, username).await.unwrap();
    let session = ipdesk::auth::sessions::open(&app.db, &row, None)
        .await
        .unwrap();
    (session.id, session.user.csrf_token.unwrap())
}

async fn request(app: &TestApp, method: Method, uri: &str, who: Option<&str>) -> Status {
    let mut request = app.client.req(method, uri.to_owned());
    if let Some(username) = who {
        let (id, csrf) = session_for(app, username).await;
        request = request
            .private_cookie(Cookie::new(SESSION_COOKIE, id))
            .header(Header::new("X-CSRF-Token", csrf));
    }
    if uri.starts_with("/api/") && method != Method::Get {
        request = request.header(ContentType::JSON).body("{}");
    } else if method != Method::Get {
        request = request.header(ContentType::Form).body("");
    }
    request.dispatch().await.status()
}

#[rocket::async_test]
async fn anonymous_viewer_officer_and_admin_get_what_the_table_says() {
    let app = TestApp::spawn().await;
    for role in Role::ALL {
        app.create_user(role.as_str(), role).await;
    }
    let mut wrong = Vec::new();
    for (method, _, uri, access) in TABLE {
        for who in [
            None,
            Some(Role::Viewer),
            Some(Role::Officer),
            Some(Role::Admin),
        ] {
            let status = request(&app, *method, uri, who.map(|r| r.as_str())).await;
            let allowed = match (access, who) {
                (Public, _) => true,
                (At(_), None) => false,
                (At(required), Some(role)) => role.allows(*required),
            };
            let expected_refusal = match who {
                None if uri.starts_with("/api/") => Status::Unauthorized,
                None => Status::SeeOther,
                Some(_) => Status::Forbidden,
            };
            let ok = if *access == Public {
                // A public route answers for itself (a wrong password is 401, a bad setup link 403).
                status.code < 500
            } else if allowed {
                status != Status::Unauthorized && status != Status::Forbidden && status.code < 500
            } else {
                status == expected_refusal
            };
            if !ok {
                wrong.push(format!(
                    "{method} {uri} as {who:?}: got {status}, allowed = {allowed}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "access differs from the table:\n{}",
        wrong.join("\n")
    );
}
