//! The test harness: a fresh database per test and the application built over it, driven through
//! Rocket's local client (cookies tracked, like a browser).

use std::path::{Path, PathBuf};

use ipdesk::auth::Role;
use ipdesk::auth::domain::NewUser;
use ipdesk::config::{AppConfig, Overrides, base_figment, random_key_hex};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{Build, Rocket};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub const PG_ENV: &str = "IPDESK_TEST_DATABASE_URL";

/// A database made for one test and removed after it.
pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
}

struct PostgresDatabase {
    admin_url: String,
    name: String,
}

impl TestDatabase {
    /// A fresh, migrated database.
    pub async fn new() -> TestDatabase {
        TestDatabase::make(true).await
    }

    /// A fresh database with no tables yet, for tests of migrating it.
    pub async fn empty() -> TestDatabase {
        TestDatabase::make(false).await
    }

    async fn make(migrated: bool) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary folder");
        match std::env::var(PG_ENV) {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("ipdesk_test_{}", uuid::Uuid::new_v4().simple());
                let template = if migrated {
                    ensure_template(&admin_url).await
                } else {
                    "template0 ENCODING 'UTF8'".to_owned()
                };
                let admin = Database::connect(ipdesk::db::pool_options(&admin_url))
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .await
                    .expect("create the test database");
                let _ = admin.close().await;
                TestDatabase {
                    url: with_database(&admin_url, &name),
                    dir,
                    postgres: Some(PostgresDatabase { admin_url, name }),
                }
            }
            _ => {
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("data/ipdesk.sqlite").display()
                );
                if migrated {
                    ipdesk::db::migrate(&url).await.expect("migrate");
                }
                TestDatabase {
                    url,
                    dir,
                    postgres: None,
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    pub async fn connect(&self) -> DatabaseConnection {
        ipdesk::db::connect(&self.url).await.expect("connect")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(pg) = self.postgres.take() else {
            return;
        };
        // Dropping runs outside any async context: use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(admin) =
                        Database::connect(ipdesk::db::pool_options(&pg.admin_url)).await
                    {
                        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name);
                        let _ = admin.execute_unprepared(&sql).await;
                        let _ = admin.close().await;
                    }
                });
            }
        })
        .join();
    }
}

/// `postgres://u@h:p/db?x` with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// The migrated template database for this set of migrations, made once (under an advisory
/// lock, so parallel tests and processes agree) and cloned for every test.
async fn ensure_template(admin_url: &str) -> String {
    use migrations::MigratorTrait;
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in migrations::Migrator::migrations() {
        migration.name().hash(&mut hasher);
    }
    // Their sources too, so that editing a migration makes a new template.
    let mut sources: Vec<_> = std::fs::read_dir(repo_path("migrations/src"))
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    sources.sort();
    for source in sources {
        std::fs::read(&source).unwrap_or_default().hash(&mut hasher);
    }
    let template = format!("ipdesk_template_{:016x}", hasher.finish());
    let mut options = ipdesk::db::pool_options(admin_url);
    options.max_connections(1);
    let admin = Database::connect(options)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute_unprepared("SELECT pg_advisory_lock(4242)")
        .await
        .expect("lock");
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT 1 FROM pg_database WHERE datname = '{template}'"),
        ))
        .await
        .expect("query pg_database")
        .is_some();
    if !exists {
        let building = format!("{template}_building");
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .await;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {building}"))
            .await
            .expect("create the template");
        ipdesk::db::migrate(&with_database(admin_url, &building))
            .await
            .expect("migrate the template");
        admin
            .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
            .await
            .expect("rename the template");
    }
    admin
        .execute_unprepared("SELECT pg_advisory_unlock(4242)")
        .await
        .expect("unlock");
    let _ = admin.close().await;
    template
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The application over a fresh database, with a browser-like client.
pub struct TestApp {
    pub client: Client,
    pub db: DatabaseConnection,
    /// Kept for its lifetime: dropping it removes the database.
    pub _database: TestDatabase,
    /// The CSRF token of the signed-in session, added to every form and JSON request.
    csrf: std::sync::Mutex<Option<String>>,
}

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";

/// The six registers, as their addresses name them: named here rather than read from the app,
/// so that a seventh makes its tests be written.
pub const REGISTERS: [&str; 6] = [
    "patents",
    "enterprises",
    "events",
    "visits",
    "inspections",
    "cases",
];

impl TestApp {
    /// The application with nobody signed in (and no users).
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|rocket| rocket).await
    }

    /// The application with a user of `role` (named after it) signed in.
    pub async fn signed_in(role: Role) -> TestApp {
        let app = TestApp::spawn().await;
        app.create_user(role.as_str(), role).await;
        app.login(role.as_str(), PASSWORD).await;
        app
    }

    /// One connection to the app's database, for migrating it down and up again as `ipdesk
    /// migrate` does (see `ipdesk::db::connect_one`): on the app's pool the test failed now and
    /// then with "index visit_follow_ups_due already exists".
    pub async fn migration_connection(&self) -> DatabaseConnection {
        ipdesk::db::connect_one(&self._database.url)
            .await
            .expect("one connection to the test database")
    }

    /// An administrator signed in.
    pub async fn admin() -> TestApp {
        TestApp::signed_in(Role::Admin).await
    }

    /// Creates a user directly through the service.
    pub async fn create_user(&self, username: &str, role: Role) -> i64 {
        let input = NewUser {
            username: username.to_owned(),
            real_name: format!("{username} 姓名"),
            role: role.as_str().to_owned(),
            password: PASSWORD.to_owned(),
            ..NewUser::default()
        };
        ipdesk::auth::users::create(&self.db, &ipdesk::audit::Actor::cli(), input)
            .await
            .expect("create user")
            .id
    }

    /// Signs in through the login form, then reads the session's CSRF token off a page.
    pub async fn login(&self, username: &str, password: &str) -> Page {
        let page = self
            .post_form("/login", &[("username", username), ("password", password)])
            .await;
        if page.status == Status::SeeOther {
            let home = self.get("/account/password").await;
            *self.csrf.lock().unwrap() = csrf_in(&home.body);
        }
        page
    }

    /// Forgets the CSRF token, to send requests without one.
    pub fn forget_csrf(&self) -> Option<String> {
        self.csrf.lock().unwrap().take()
    }

    pub fn set_csrf(&self, token: Option<String>) {
        *self.csrf.lock().unwrap() = token;
    }

    /// Makes an API token for the user `owner`.
    pub async fn token_for(&self, owner: &str) -> String {
        ipdesk::auth::tokens::create(&self.db, &ipdesk::audit::Actor::cli(), owner, "test")
            .await
            .expect("token")
            .token
    }

    /// Like `spawn`, with every statement the application runs shown to `watch` first.
    pub async fn spawn_watching(
        watch: impl Fn(&sea_orm::metric::Info<'_>) + Send + Sync + 'static,
    ) -> TestApp {
        TestApp::spawn_over(|db| db.set_metric_callback(watch), |rocket| rocket).await
    }

    /// Like `spawn`, letting the test mount extra routes first.
    pub async fn spawn_with(extend: impl FnOnce(Rocket<Build>) -> Rocket<Build>) -> TestApp {
        TestApp::spawn_over(|_| (), extend).await
    }

    async fn spawn_over(
        prepare: impl FnOnce(&mut DatabaseConnection),
        extend: impl FnOnce(Rocket<Build>) -> Rocket<Build>,
    ) -> TestApp {
        let database = TestDatabase::new().await;
        let mut db = database.connect().await;
        prepare(&mut db);
        let rocket = extend(ipdesk::build(&test_config(&database.url), db.clone()));
        let client = Client::tracked(rocket).await.expect("valid rocket");
        TestApp {
            csrf: std::sync::Mutex::new(None),
            client,
            db,
            _database: database,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Page::from(self.client.get(path.to_owned()).dispatch().await).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.lock().unwrap().clone();
        let body = token
            .iter()
            .map(|t| ("csrf_token", t.as_str()))
            .chain(fields.iter().copied())
            .collect::<Vec<_>>()
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let response = self
            .client
            .post(path.to_owned())
            .header(ContentType::Form)
            .body(body)
            .dispatch()
            .await;
        Page::from(response).await
    }

    /// Sends JSON (or any raw body) with a method.
    pub async fn send_json(&self, method: rocket::http::Method, path: &str, body: &str) -> Page {
        let mut request = self.client.req(method, path.to_owned());
        if let Some(token) = self.csrf.lock().unwrap().clone() {
            request = request.header(Header::new("X-CSRF-Token", token));
        }
        let response = request
            .header(ContentType::JSON)
            .header(Header::new("Accept", "application/json"))
            .body(body)
            .dispatch()
            .await;
        Page::from(response).await
    }

    /// Follows a redirect the way a browser does.
    pub async fn follow(&self, page: &Page) -> Page {
        let location = page.location.clone().expect("a redirect");
        self.get(&location).await
    }

    pub async fn switch_to_english(&self) {
        let page = self.get("/lang/en?next=/").await;
        assert_eq!(page.status, Status::SeeOther);
    }
}

/// The CSRF token in a page's forms.
pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let token: String = html[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (!token.is_empty()).then_some(token)
}

/// Sends a request with a bearer token.
pub async fn with_bearer(
    app: &TestApp,
    method: rocket::http::Method,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> Page {
    let mut request = app
        .client
        .req(method, path.to_owned())
        .header(Header::new("Authorization", format!("Bearer {token}")));
    if let Some(body) = body {
        request = request.header(ContentType::JSON).body(body);
    }
    Page::from(request.dispatch().await).await
}

pub fn test_config(url: &str) -> AppConfig {
    let figment = base_figment()
        .merge(("secret_key", random_key_hex().expect("random key")))
        .merge(("template_dir", repo_path("templates").display().to_string()))
        .merge(("static_dir", repo_path("static").display().to_string()))
        .merge(("log_level", "off"))
        // The test binary is not ipdesk: uploaded workbooks are read by the real one.
        .merge(("reader_program", env!("CARGO_BIN_EXE_ipdesk")));
    AppConfig::resolve(url, figment, &Overrides::default()).expect("config")
}

pub fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// What came back: status, body, content type and where it redirects.
pub struct Page {
    pub status: Status,
    pub body: String,
    pub content_type: Option<ContentType>,
    pub location: Option<String>,
    /// Every header of the answer, by name as sent.
    pub headers: Vec<(String, String)>,
}

impl Page {
    pub async fn from(response: LocalResponse<'_>) -> Page {
        let status = response.status();
        let content_type = response.content_type();
        let location = response.headers().get_one("Location").map(str::to_owned);
        let headers = response
            .headers()
            .iter()
            .map(|h| (h.name().to_string(), h.value().to_owned()))
            .collect();
        let body = response.into_string().await.unwrap_or_default();
        Page {
            status,
            body,
            content_type,
            location,
            headers,
        }
    }

    /// The value of the answer's header `name` (any case), if it has one.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts the API refused the request (422) with a sentence on `field` that holds `text`.
    #[track_caller]
    pub fn assert_refused_on(&self, field: &str, text: &str) {
        assert_eq!(self.status, Status::UnprocessableEntity, "{}", self.body);
        let sentence = self.json()["error"]["fields"][field].clone();
        assert!(
            sentence.as_str().is_some_and(|s| s.contains(text)),
            "{field}: {text:?} in {}",
            self.body
        );
    }

    /// Asserts the API refused a query parameter it does not take, `field`, with its sentence.
    #[track_caller]
    pub fn assert_unknown_parameter(&self, field: &str) {
        self.assert_refused_on(field, &format!("不认识的参数 {field}："));
    }

    /// Asserts the body contains every one of `texts`.
    #[track_caller]
    pub fn assert_contains(&self, texts: &[&str]) {
        for text in texts {
            assert!(
                self.body.contains(text),
                "expected {text:?} in page ({}):\n{}",
                self.status,
                self.body
            );
        }
    }

    #[track_caller]
    pub fn assert_lacks(&self, texts: &[&str]) {
        for text in texts {
            assert!(
                !self.body.contains(text),
                "did not expect {text:?} in page:\n{}",
                self.body
            );
        }
    }
}

/// A multipart/form-data body with text fields and an optional file, as a browser sends an upload.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (ContentType, Vec<u8>) {
    const BOUNDARY: &str = "ipdesk-test-boundary-5d1c";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let content_type =
        ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY));
    (content_type, body)
}

impl TestApp {
    /// Posts a multipart form the way the upload page does (the CSRF token as its first field).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Page {
        let token = self.csrf.lock().unwrap().clone();
        let mut all: Vec<(&str, &str)> = token.iter().map(|t| ("csrf_token", t.as_str())).collect();
        all.extend_from_slice(fields);
        let (content_type, body) = multipart(&all, file);
        let response = self
            .client
            .post(path.to_owned())
            .header(content_type)
            .body(body)
            .dispatch()
            .await;
        Page::from(response).await
    }
}

/// The names of the indexes and triggers on the patent tables.
pub async fn patent_table_schema(db: &DatabaseConnection) -> Vec<String> {
    use sea_orm::{DbBackend, Statement};
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT indexname FROM pg_indexes WHERE tablename IN \
             ('patents', 'patent_applicants', 'patent_events', 'patent_search') \
             UNION ALL SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND \
             tgrelid::regclass::text IN ('patents', 'patent_applicants', 'patent_events') \
             ORDER BY 1"
        }
        _ => {
            "SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('index', 'trigger') \
             AND tbl_name IN ('patents', 'patent_applicants', 'patent_events') ORDER BY 1"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect()
}
