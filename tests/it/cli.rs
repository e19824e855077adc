//! The `ipdesk` binary, run in a temporary folder against a fresh database.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TestDatabase, repo_path};

const BIN: &str = env!("CARGO_BIN_EXE_ipdesk");

fn ipdesk(dir: &Path, url: Option<&str>, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("IPDESK_LANG", "zh-CN")
        .env("RUST_LOG", "error");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command
}

fn run(db: &TestDatabase, args: &[&str]) -> Output {
    ipdesk(db.dir.path(), Some(&db.url), args)
        .output()
        .expect("run ipdesk")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// Exit 2 (bad input): the sentence starting with `sentence` first on stderr, then the system's
/// own words starting with `detail`, as its detail, not before it.
#[track_caller]
fn assert_refused_with_detail(output: &Output, sentence: &str, detail: &str) {
    assert_exit(output, 2);
    let told = stderr(output);
    let mut lines = told.lines();
    let first = lines.next().unwrap_or_default();
    assert!(first.starts_with(&format!("错误：{sentence}")), "{told}");
    let second = lines.next().unwrap_or_default();
    assert!(second.starts_with(&format!("  详情：{detail}")), "{told}");
}

/// Exit 2 (bad input) with `told` in the sentence on stderr.
#[track_caller]
fn assert_refused(output: &Output, told: &str) {
    assert_exit(output, 2);
    assert!(stderr(output).contains(told), "{}", stderr(output));
}

#[test]
fn help_lists_every_command_with_a_description() {
    let dir = tempfile::tempdir().unwrap();
    let output = ipdesk(dir.path(), None, &["--help"]).output().unwrap();
    assert_exit(&output, 0);
    let help = stdout(&output);
    for (command, about) in [
        ("serve", "启动网页服务"),
        ("migrate", "更新数据库结构"),
        ("jurisdiction", "查看或设置辖区"),
        ("settings", "查看或修改设置"),
        ("township", "管理乡镇"),
        ("agency", "管理协作单位"),
        ("backup", "备份 SQLite 数据库"),
        ("restore", "用备份文件恢复 SQLite 数据库"),
    ] {
        assert!(
            help.contains(command) && help.contains(about),
            "{command} missing:\n{help}"
        );
    }
    let english = ipdesk(
        dir.path(),
        None,
        &["--lang", "en", "jurisdiction", "set", "--help"],
    )
    .output()
    .unwrap();
    assert!(
        stdout(&english).contains("Townships, comma-separated"),
        "{}",
        stdout(&english)
    );
    // --help created no database.
    assert!(!dir.path().join("data").exists());
}

/// The reading child, run by hand as a developer would (the allocator's default reservation,
/// not the server's smaller one): it limits itself and still reads the roster to its end.
#[test]
fn the_reading_child_run_by_hand_streams_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = repo_path("tests/fixtures/zigui-grants-2026.xlsx");
    let output = ipdesk(dir.path(), None, &["dev", "read-workbook"])
        .arg(&fixture)
        .env_remove("MIMALLOC_ARENA_RESERVE")
        .output()
        .unwrap();
    assert_exit(&output, 0);
    // The stream opens with the workbook's frame (xlsx, the 1900 date system) and ends with
    // its end frame; the server's decoder reads it whole.
    assert!(
        output.stdout.starts_with(b"IPDW2\nWx\0"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.ends_with(b"E"), "{}", stderr(&output));
    let ipdesk::import::wire::Decoded::Workbook(workbook) =
        ipdesk::import::wire::decode(output.stdout.as_slice())
    else {
        panic!("the stream does not decode: {}", stderr(&output));
    };
    assert_eq!(workbook.sheets[0].name, "授权清单");
    assert!(workbook.sheets[0].rows.len() > 10);
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = ipdesk(dir.path(), None, &["jurisdiction", "set"])
        .output()
        .unwrap();
    assert_exit(&output, 2);
    assert!(
        stderr(&output).starts_with("错误：缺少 --county <COUNTY>。"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("运行 ipdesk jurisdiction set --help 查看说明。"));
    // The usage line is the command's own, not the arguments clap was given: a database named in
    // the environment is not shown as if it had been typed.
    let with_env = ipdesk(
        dir.path(),
        Some("sqlite://elsewhere.sqlite"),
        &["target", "list"],
    )
    .output()
    .unwrap();
    assert_exit(&with_env, 2);
    assert!(
        stderr(&with_env).contains("\n用法： ipdesk target list [OPTIONS] --year <YEAR>\n")
            && !stderr(&with_env).contains("--database-url"),
        "{}",
        stderr(&with_env)
    );
    let output = ipdesk(dir.path(), None, &["no-such-command"])
        .output()
        .unwrap();
    assert_exit(&output, 2);
    assert!(
        stderr(&output).starts_with("错误：没有“no-such-command”这个命令，可选：serve、"),
        "{}",
        stderr(&output)
    );
    let english = ipdesk(dir.path(), None, &["--lang", "en", "audit", "--limt", "5"])
        .output()
        .unwrap();
    assert_exit(&english, 2);
    assert!(
        stderr(&english)
            .starts_with("Error: Unknown argument \"--limt\"; did you mean \"--limit\"?"),
        "{}",
        stderr(&english)
    );
}

#[test]
fn migrate_creates_the_default_database_in_the_working_folder() {
    let dir = tempfile::tempdir().unwrap();
    let first = ipdesk(dir.path(), None, &["migrate"]).output().unwrap();
    assert_exit(&first, 0);
    assert!(stdout(&first).contains("本次应用"), "{}", stdout(&first));
    assert!(dir.path().join("data/ipdesk.sqlite").is_file());
    let again = ipdesk(dir.path(), None, &["migrate"]).output().unwrap();
    assert_exit(&again, 0);
    assert!(stdout(&again).contains("此前已应用") && !stdout(&again).contains("本次应用"));
    // The samples make a desk of their own, as the README's first hour has them.
    let fresh = tempfile::tempdir().unwrap();
    let demo = ipdesk(fresh.path(), None, &["demo", "--as-of", "2026-11-30"])
        .output()
        .unwrap();
    assert_exit(&demo, 0);
    assert!(fresh.path().join("data/ipdesk.sqlite").is_file());
}

/// A database that cannot be opened for a reason in its address or file says that reason, and
/// that waiting will not help (exit 2), where it said to try again later. The file is left alone.
#[test]
fn a_database_address_that_cannot_work_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.sqlite");
    std::fs::write(&notes, "会议记录，不是数据库").unwrap();
    let url = format!("sqlite://{}", notes.display());
    let not_sqlite = ipdesk(dir.path(), Some(&url), &["patents", "list"])
        .output()
        .unwrap();
    assert_refused_with_detail(
        &not_sqlite,
        "数据库地址指向的文件不是 SQLite 数据库",
        "cannot open the database",
    );
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "会议记录，不是数据库"
    );
    // A file that is not there is not made by a command that reads or changes a desk: a mistyped
    // address would answer "0 patents", or import into a file nobody opens.
    let typo = dir.path().join("data/ipdesk.sqllite");
    let url = format!("sqlite://{}?mode=rwc", typo.display());
    let commands: [&[&str]; 4] = [
        &["patents", "list"],
        &["report", "ytd"],
        &["import", "roster.xlsx"],
        &["backup", "copy.sqlite"],
    ];
    for args in commands {
        let refused = ipdesk(dir.path(), Some(&url), args).output().unwrap();
        assert_refused(
            &refused,
            &format!(
                "错误：没有找到数据库文件 {}：请检查数据库地址",
                typo.display()
            ),
        );
        assert!(!dir.path().join("data").exists(), "{args:?} made a file");
    }
    let english = ipdesk(dir.path(), Some(&url), &["--lang", "en", "audit"])
        .output()
        .unwrap();
    assert_refused(&english, "To begin a new desk, run ipdesk migrate first");
    // The commands a desk begins with make it, and the others then find it.
    assert_exit(
        &ipdesk(dir.path(), Some(&url), &["migrate"])
            .output()
            .unwrap(),
        0,
    );
    let listed = ipdesk(dir.path(), Some(&url), &["patents", "list"])
        .output()
        .unwrap();
    assert_exit(&listed, 0);
    assert!(stdout(&listed).contains("共 0 件"), "{}", stdout(&listed));
    // PostgreSQL's reasons, when a server is at hand: a database that does not exist.
    if let Ok(server) = std::env::var(crate::support::PG_ENV) {
        let url = format!(
            "{}/ipdesk_no_such_database",
            server.rsplit_once('/').unwrap().0
        );
        let missing = ipdesk(dir.path(), Some(&url), &["patents", "list"])
            .output()
            .unwrap();
        assert_refused_with_detail(
            &missing,
            "数据库地址里的数据库不存在",
            "cannot open the database",
        );
    }
}

/// A database server that does not answer is waited for, and the command says so rather than
/// sitting silent through the wait. (A listener that never accepts stands for a stopped server
/// that is still starting; the command is stopped once it has spoken.)
#[test]
fn a_database_that_does_not_answer_is_said_to_be_waited_for() {
    use std::io::{BufRead, BufReader};
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/test",
        silent.local_addr().unwrap().port()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = ipdesk(dir.path(), Some(&url), &["patents", "list"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stderr).read_line(&mut line);
        let _ = tx.send(line);
    });
    let said = rx.recv_timeout(std::time::Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        said.as_deref().map(str::trim_end),
        Ok("正在等待数据库响应（最多 30 秒）……")
    );
}

#[rocket::async_test]
async fn jurisdiction_set_and_show() {
    let db = TestDatabase::new().await;
    let output = run(
        &db,
        &[
            "jurisdiction",
            "set",
            "--county",
            "秭归县",
            "--alias",
            "秭归",
            "--alias",
            "归州",
            "--case-prefix",
            "秭",
            "--townships",
            "茅坪镇,归州镇，屈原镇",
        ],
    );
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("辖区已保存"));
    let shown = run(&db, &["jurisdiction", "show", "--json"]);
    assert_exit(&shown, 0);
    let json: serde_json::Value = serde_json::from_str(stdout(&shown).trim()).unwrap();
    assert_eq!(json["county"], "秭归县");
    assert_eq!(json["aliases"], serde_json::json!(["秭归", "归州"]));
    assert_eq!(json["case_prefix"], "秭");
    assert_eq!(
        json["townships"],
        serde_json::json!(["茅坪镇", "归州镇", "屈原镇"])
    );

    // Setting the townships again archives the missing one and keeps the order given.
    let output = run(
        &db,
        &[
            "jurisdiction",
            "set",
            "--county",
            "秭归县",
            "--townships",
            "屈原镇,茅坪镇",
        ],
    );
    assert_exit(&output, 0);
    let json: serde_json::Value =
        serde_json::from_str(stdout(&run(&db, &["jurisdiction", "show", "--json"])).trim())
            .unwrap();
    assert_eq!(json["townships"], serde_json::json!(["屈原镇", "茅坪镇"]));
    assert_eq!(
        json["aliases"],
        serde_json::json!(["秭归", "归州"]),
        "aliases kept when not given"
    );
    let archived = run(&db, &["township", "list", "--archived"]);
    assert!(
        stdout(&archived).contains("归州镇（已归档）"),
        "{}",
        stdout(&archived)
    );
}

#[rocket::async_test]
async fn bad_jurisdiction_input_exits_2_and_writes_nothing() {
    let db = TestDatabase::new().await;
    let empty = run(
        &db,
        &[
            "jurisdiction",
            "set",
            "--county",
            " ",
            "--townships",
            "A镇,A镇",
        ],
    );
    assert_exit(&empty, 2);
    // Every problem at once, one sentence each.
    assert_eq!(
        stderr(&empty).trim(),
        "错误：请填写县（区）名称。\n错误：乡镇“A镇”重复了。"
    );
    let twice = run(
        &db,
        &[
            "jurisdiction",
            "set",
            "--county",
            "秭归县",
            "--townships",
            "A镇,B镇,A镇",
        ],
    );
    assert_refused(&twice, "乡镇“A镇”重复了。");
    let json: serde_json::Value =
        serde_json::from_str(stdout(&run(&db, &["jurisdiction", "show", "--json"])).trim())
            .unwrap();
    assert_eq!(json["county"], serde_json::Value::Null);
    assert_eq!(json["townships"], serde_json::json!([]));
}

#[rocket::async_test]
async fn settings_set_timezone() {
    let db = TestDatabase::new().await;
    let bad = run(&db, &["settings", "set", "timezone", "Asia/Beijing"]);
    assert_refused(&bad, "不认识时区“Asia/Beijing”");
    let unknown = run(&db, &["settings", "set", "colour", "red"]);
    assert_exit(&unknown, 2);
    let good = run(&db, &["settings", "set", "timezone", "Asia/Urumqi"]);
    assert_exit(&good, 0);
    let shown = run(&db, &["settings", "show", "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(
        shown,
        serde_json::json!({"timezone": "Asia/Urumqi", "secure_cookies": false})
    );
    // Every key 'settings set' takes is shown, as it takes it.
    assert_exit(&run(&db, &["settings", "set", "secure_cookies", "on"]), 0);
    let shown = stdout(&run(&db, &["settings", "show"]));
    assert_eq!(shown, "timezone = Asia/Urumqi\nsecure_cookies = true\n");
}

#[rocket::async_test]
async fn township_and_agency_commands() {
    let db = TestDatabase::new().await;
    assert_exit(&run(&db, &["township", "add", "茅坪镇"]), 0);
    assert_exit(&run(&db, &["township", "add", "归州镇"]), 0);
    assert_exit(&run(&db, &["township", "add", "茅坪镇"]), 2);
    assert_exit(
        &run(&db, &["township", "move", "归州镇", "--position", "1"]),
        0,
    );
    assert_exit(&run(&db, &["township", "rename", "茅坪镇", "茅坪"]), 0);
    let listed = stdout(&run(&db, &["township", "list"]));
    let order: Vec<&str> = listed
        .lines()
        .map(|l| l.split_whitespace().last().unwrap_or_default())
        .collect();
    assert_eq!(order, ["归州镇", "茅坪"]);
    assert_exit(&run(&db, &["township", "archive", "无此镇"]), 2);
    assert_exit(&run(&db, &["agency", "archive", "公安局"]), 0);
    let agencies = stdout(&run(&db, &["agency", "list", "--json"]));
    assert!(!agencies.contains("公安局"), "{agencies}");
}

#[rocket::async_test]
async fn backup_makes_a_consistent_copy() {
    let db = TestDatabase::new().await;
    let target = db.dir.path().join("backup.sqlite");
    let target_arg = target.display().to_string();
    let output = run(&db, &["backup", &target_arg]);
    if db.is_postgres() {
        assert_exit(&output, 2);
        assert!(stderr(&output).contains("pg_dump"), "{}", stderr(&output));
        return;
    }
    assert_exit(&output, 0);
    assert!(target.is_file());
    // The copy is a working database with the seeded agencies.
    let copy_url = format!("sqlite://{}?mode=rw", target.display());
    let copy = ipdesk::db::connect(&copy_url).await.unwrap();
    let agencies =
        ipdesk::settings::lists::list(&copy, ipdesk::settings::ListKind::Agencies, false)
            .await
            .unwrap();
    assert_eq!(agencies.len(), 6);
    // Who took the copy, and where to, is in the audit log.
    let audit = stdout(&run(&db, &["audit", "--entity", "database", "--json"]));
    assert!(
        audit.contains("\"backup\"") && audit.contains("backup.sqlite"),
        "{audit}"
    );
    // Never overwrites.
    let again = run(&db, &["backup", &target_arg]);
    assert_exit(&again, 2);
    assert!(stderr(&again).contains("已经存在"));
    // A place SQLite cannot write to: the reason in the administrator's words, nothing left.
    let refused = run(&db, &["backup", "/proc/ipdesk-backup.sqlite"]);
    assert_refused(
        &refused,
        "无法在 /proc/ipdesk-backup.sqlite 做备份（没有写入权限）",
    );
    assert!(!Path::new("/proc/ipdesk-backup.sqlite").exists());
}

pub(crate) struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `ipdesk serve` on `port` with the repository's templates, stdout captured.
pub(crate) fn server_command(db: &TestDatabase, port: u16) -> Command {
    let mut command = ipdesk(
        db.dir.path(),
        Some(&db.url),
        &["serve", "--port", &port.to_string()],
    );
    command
        .env("ROCKET_TEMPLATE_DIR", repo_path("templates"))
        .env("ROCKET_STATIC_DIR", repo_path("static"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if db.is_postgres() {
        command.env(
            "ROCKET_SECRET_KEY",
            ipdesk::config::random_key_hex().unwrap(),
        );
    }
    command
}

/// Starts `ipdesk serve` and waits for its "running" line.
fn start_server(db: &TestDatabase, port: u16) -> Server {
    start(server_command(db, port), port)
}

/// Starts a server command and waits until it says it serves on `port`.
pub(crate) fn start(mut command: Command, port: u16) -> Server {
    let mut child = command.spawn().expect("start the server");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let server = Server(child);
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains(&format!("http://127.0.0.1:{port}")) => {
                // Keep reading what the server prints, as a terminal would.
                std::thread::spawn(move || lines.for_each(drop));
                return server;
            }
            Some(_) if started.elapsed() < Duration::from_secs(60) => continue,
            _ => panic!("the server did not start"),
        }
    }
}

/// A GET: the status, and the whole response (head and body) as text.
fn http_get(port: u16, path: &str) -> (u16, String) {
    let reply = http(port, "GET", path, &[], b"");
    (
        reply.status,
        format!("{}\r\n\r\n{}", reply.head, reply.body),
    )
}

#[rocket::async_test]
async fn serve_answers_and_shows_the_county_set_by_the_cli() {
    let db = TestDatabase::new().await;
    assert_exit(&run(&db, &["jurisdiction", "set", "--county", "兴山县"]), 0);
    let port = free_port();
    let _server = start_server(&db, port);
    let (status, body) = http_get(port, "/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"database\":\"ok\""));
    // Nobody is signed in: the home page sends the browser to sign in.
    let (status, body) = http_get(port, "/");
    assert_eq!(status, 303, "{body}");
    assert!(body.contains("location: /login?next=/"), "{body}");
    let (status, body) = http_get(port, "/login");
    assert_eq!(status, 200);
    assert!(
        body.contains("兴山县") && body.contains("lang=\"zh-CN\""),
        "{body}"
    );
    // The county changed from the CLI shows at once on the running server.
    assert_exit(&run(&db, &["jurisdiction", "set", "--county", "秭归县"]), 0);
    let (_, body) = http_get(port, "/login");
    assert!(body.contains("秭归县") && !body.contains("兴山县"));
}

/// A request no route answers, or an API call without a token, is the client's mistake: the
/// server answers it and does not log it as an error or warning of its own (Rocket does), so the
/// log's errors stay the server's.
#[rocket::async_test]
async fn serve_does_not_log_a_missing_page_as_an_error() {
    let db = TestDatabase::new().await;
    let port = free_port();
    let log_path = db.dir.path().join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut command = server_command(&db, port);
    command.env_remove("RUST_LOG").stderr(Stdio::from(log));
    let server = start(command, port);
    // Nobody is signed in: the API asks for a token before it says what it lacks.
    for (path, answer) in [
        ("/favicon.ico", 404),
        ("/no-such-page", 404),
        ("/api/v1/no-such-thing", 401),
    ] {
        let (status, body) = http_get(port, path);
        assert_eq!(status, answer, "{path}: {body}");
    }
    drop(server);
    let logged = std::fs::read_to_string(&log_path).unwrap();
    for said in ["ERROR", "WARN", "No matching routes", "guard"] {
        assert!(!logged.contains(said), "{logged}");
    }
}

/// A server that cannot listen says why in words the administrator can act on, and stops.
#[rocket::async_test]
async fn serve_says_why_it_cannot_listen() {
    let db = TestDatabase::new().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let refusals = [
        (
            vec![],
            format!("无法在 http://127.0.0.1:{port} 启动服务：这个端口已被占用"),
        ),
        (
            vec!["--address", "nohost"],
            "监听地址“nohost”不是 IP 地址".to_owned(),
        ),
        // TEST-NET-1: an address no computer is given.
        (
            vec!["--address", "192.0.2.1"],
            "这台电脑没有这个地址".to_owned(),
        ),
    ];
    for (args, told) in refusals {
        let output = server_command(&db, port)
            .args(&args)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_refused(&output, &told);
    }
    drop(taken);
}

#[rocket::async_test]
async fn serve_refuses_postgres_without_a_secret_key() {
    let db = TestDatabase::new().await;
    // Only PostgreSQL needs a shared key; SQLite makes its own (see config's unit tests).
    if !db.is_postgres() {
        return;
    }
    let output = ipdesk(
        db.dir.path(),
        Some(&db.url),
        &["serve", "--port", &free_port().to_string()],
    )
    .env_remove("ROCKET_SECRET_KEY")
    .env("ROCKET_TEMPLATE_DIR", repo_path("templates"))
    .env("ROCKET_STATIC_DIR", repo_path("static"))
    .output()
    .unwrap();
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("ROCKET_SECRET_KEY"));
}

#[test]
fn serve_explains_a_missing_templates_folder() {
    let dir = tempfile::tempdir().unwrap();
    let output = ipdesk(
        dir.path(),
        None,
        &["serve", "--port", &free_port().to_string()],
    )
    .env_remove("ROCKET_TEMPLATE_DIR")
    .output()
    .unwrap();
    assert_refused(&output, "ROCKET_TEMPLATE_DIR");
}

fn run_with_stdin(db: &TestDatabase, args: &[&str], input: &str) -> Output {
    let mut child = ipdesk(db.dir.path(), Some(&db.url), args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[rocket::async_test]
async fn user_commands() {
    let db = TestDatabase::new().await;
    let password = "correct horse battery\n";
    let add = [
        "user",
        "add",
        "zhang",
        "--role",
        "officer",
        "--real-name",
        "张三",
        "--certificate-number",
        "42010001",
        "--password-stdin",
    ];
    assert_exit(&run_with_stdin(&db, &add, password), 0);
    let again = run_with_stdin(&db, &add, password);
    assert_refused(&again, "用户名“zhang”已被使用。");
    let bad_role = run_with_stdin(
        &db,
        &["user", "add", "li", "--role", "root", "--password-stdin"],
        password,
    );
    assert_refused(&bad_role, "没有“root”这个角色");
    let empty = run_with_stdin(
        &db,
        &["user", "add", "", "--role", "viewer", "--password-stdin"],
        password,
    );
    assert_exit(&empty, 2);
    assert!(stderr(&empty).contains("请填写用户名。"));
    let short = run_with_stdin(
        &db,
        &["user", "add", "li", "--role", "viewer", "--password-stdin"],
        "short\n",
    );
    assert_exit(&short, 2);
    assert!(stderr(&short).contains("密码至少要 10 个字符。"));

    let listed: serde_json::Value =
        serde_json::from_str(&stdout(&run(&db, &["user", "list", "--json"]))).unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "nothing written by the failures"
    );
    assert_eq!(listed[0]["real_name"], "张三");
    assert_eq!(listed[0]["certificate_number"], "42010001");

    assert_exit(&run(&db, &["user", "disable", "zhang"]), 0);
    let listed = stdout(&run(&db, &["user", "list"]));
    assert!(listed.contains("（已停用）"), "{listed}");
    assert!(
        listed.lines().all(|line| line == line.trim_end()),
        "{listed}"
    );
    assert_exit(&run(&db, &["user", "enable", "zhang"]), 0);
    assert_exit(
        &run_with_stdin(
            &db,
            &["user", "passwd", "zhang", "--password-stdin"],
            "another long secret\n",
        ),
        0,
    );
    assert_exit(&run(&db, &["user", "unlock", "zhang"]), 0);
    assert_exit(&run(&db, &["user", "disable", "nobody"]), 2);
}

#[rocket::async_test]
async fn token_commands() {
    let db = TestDatabase::new().await;
    assert_exit(
        &run_with_stdin(
            &db,
            &[
                "user",
                "add",
                "robot",
                "--role",
                "viewer",
                "--password-stdin",
            ],
            "correct horse battery\n",
        ),
        0,
    );
    let created = run(&db, &["token", "create", "robot", "--label", "名册同步"]);
    assert_exit(&created, 0);
    let token = stdout(&created)
        .lines()
        .find(|l| l.starts_with("ipd_"))
        .expect("the token")
        .to_owned();
    assert_eq!(token.len(), 68);
    let listed = stdout(&run(&db, &["token", "list"]));
    assert!(
        listed.contains(&token[..12])
            && listed.contains("robot  名册同步  创建于 ")
            && listed.contains("，从未使用")
            && !listed.contains(&token),
        "{listed}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&run(&db, &["token", "list", "--json"]))).unwrap();
    let id = json[0]["id"].as_i64().unwrap().to_string();
    assert_exit(&run(&db, &["token", "revoke", &id]), 0);
    let listed = stdout(&run(&db, &["token", "list"]));
    assert!(listed.contains(" 已吊销）"), "{listed}");
    let english = stdout(&run(&db, &["--lang", "en", "token", "list"]));
    assert!(
        english.contains(", never used (revoked ") && !english.contains("从未"),
        "{english}"
    );
    assert_exit(&run(&db, &["token", "revoke", "999"]), 2);
    assert_exit(&run(&db, &["token", "create", "ghost"]), 2);

    // The log of what one person did, named as the officer knows them (or by number).
    let conn = db.connect().await;
    ipdesk::auth::sessions::sign_in(&conn, "robot", "correct horse battery", "127.0.0.1")
        .await
        .unwrap();
    let by_name = stdout(&run(&db, &["audit", "--user", "robot", "--json"]));
    let by_name: serde_json::Value = serde_json::from_str(&by_name).unwrap();
    assert_eq!(by_name["total"], 1, "{by_name}");
    assert_eq!(by_name["entries"][0]["action"], "sign_in", "{by_name}");
    let id = by_name["entries"][0]["user_id"].to_string();
    let by_id = stdout(&run(&db, &["audit", "--user", &id, "--json"]));
    let by_id: serde_json::Value = serde_json::from_str(&by_id).unwrap();
    assert_eq!(by_id["total"], 1, "{by_id}");
    assert_refused(
        &run(&db, &["audit", "--user", "ghost"]),
        "找不到用户“ghost”",
    );
    assert_refused(
        &run(&db, &["audit", "--entity", "patnet"]),
        "没有“patnet”这种对象",
    );
}

#[rocket::async_test]
async fn serve_prints_a_one_time_setup_link_on_the_first_run() {
    let db = TestDatabase::new().await;
    let port = free_port();
    let mut command = server_command(&db, port);
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let link = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.find("http://")
                .map(|i| {
                    line[i..]
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                })
                .filter(|l| l.contains("/setup?token="))
        })
        .expect("a setup link");
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/setup?token=")),
        "{link}"
    );
    let path = &link[link.find("/setup").unwrap()..];
    let (status, body) = http_get(port, path);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("创建管理员"));
    let (status, _) = http_get(port, "/setup?token=wrong");
    assert_eq!(status, 403);
}

#[rocket::async_test]
async fn patent_and_enterprise_commands() {
    let db = TestDatabase::new().await;
    let added = run(
        &db,
        &[
            "patents",
            "add",
            "--application-number",
            "ZL 2017 1 0601862",
            "--title",
            "一种茶叶揉捻装置",
            "--applicant",
            "秭归县屈原茶业有限公司",
            "--inventor",
            "张三",
            "--filed-on",
            "2017-07-21",
            "--json",
        ],
    );
    assert_exit(&added, 0);
    assert!(
        stderr(&added).contains("201710601862.3"),
        "the computed check character is reported: {}",
        stderr(&added)
    );
    let patent: serde_json::Value = serde_json::from_str(&stdout(&added)).unwrap();
    assert_eq!(patent["application_number"], "201710601862.3");

    let wrong = run(
        &db,
        &[
            "patents",
            "add",
            "--application-number",
            "201710601862.4",
            "--title",
            "x",
            "--applicant",
            "y",
        ],
    );
    assert_refused(&wrong, "校验位应为 3");

    assert_exit(
        &run(
            &db,
            &[
                "patents",
                "edit",
                "CN2017106018623",
                "--title",
                "一种茶叶揉捻机",
            ],
        ),
        0,
    );
    let granted = run(
        &db,
        &[
            "patents",
            "event",
            "201710601862.3",
            "--status",
            "granted",
            "--on",
            "2019-03-01",
            "--grant-publication-number",
            "CN107300001B",
        ],
    );
    assert_exit(&granted, 0);
    let refused = run(
        &db,
        &[
            "patents",
            "event",
            "201710601862.3",
            "--status",
            "published",
            "--on",
            "2019-04-01",
        ],
    );
    assert_exit(&refused, 2);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&run(
        &db,
        &["patents", "show", "201710601862.3", "--json"],
    )))
    .unwrap();
    assert_eq!(shown["title"], "一种茶叶揉捻机");
    assert_eq!(shown["status"], "granted");
    let listed = stdout(&run(&db, &["patents", "list", "--granted-year", "2019"]));
    assert!(
        listed.contains("一种茶叶揉捻机") && listed.contains("共 1 件"),
        "{listed}"
    );

    let enterprise = run(
        &db,
        &[
            "enterprises",
            "add",
            "--name",
            "秭归县屈原茶业有限公司",
            "--credit-code",
            "91350100M000100Y43",
            "--json",
        ],
    );
    assert_exit(&enterprise, 0);
    let enterprise: serde_json::Value = serde_json::from_str(&stdout(&enterprise)).unwrap();
    let shown: serde_json::Value = serde_json::from_str(&stdout(&run(
        &db,
        &["patents", "show", "201710601862.3", "--json"],
    )))
    .unwrap();
    assert_eq!(
        shown["applicants"][0]["enterprise_id"], enterprise["id"],
        "linked when the enterprise was recorded"
    );
    // The enterprise's card ends with its patents in figures, as its page shows them.
    let id = enterprise["id"].to_string();
    let card = stdout(&run(&db, &["enterprises", "show", &id]));
    assert!(
        card.contains(
            "        专利情况：1 件\n          发明 1 件（授权 1，审查中 0）\n        各年授权：\n          2019 年：发明 1、实用新型 0、外观设计 0\n"
        ),
        "{card}"
    );
    assert!(card.contains("        走访记录：无\n"), "{card}");
    let card = stdout(&run(&db, &["--lang", "en", "enterprises", "show", &id]));
    assert!(
        card.contains(
            "        Patents in figures: 1\n          Invention: 1 (granted 1, pending 0)\n"
        ),
        "{card}"
    );
    let bad_code = run(
        &db,
        &[
            "enterprises",
            "add",
            "--name",
            "乙公司",
            "--credit-code",
            "91350100M000100Y44",
        ],
    );
    assert_exit(&bad_code, 2);
    assert_exit(&run(&db, &["enterprises", "list"]), 0);
    assert_exit(&run(&db, &["patents", "archive", "201710601862.3"]), 0);
    assert!(stdout(&run(&db, &["patents", "list"])).contains("共 0 件"));
}

#[rocket::async_test]
async fn import_commands_answer_in_json_with_exit_codes() {
    let db = TestDatabase::new().await;
    let townships = "茅坪镇,归州镇,屈原镇,沙镇溪镇,两河口镇,郭家坝镇,杨林桥镇,九畹溪镇,水田坝乡,泄滩乡,梅家河乡,磨坪乡";
    assert_exit(
        &run(
            &db,
            &[
                "jurisdiction",
                "set",
                "--county",
                "秭归县",
                "--townships",
                townships,
            ],
        ),
        0,
    );
    let fixture = repo_path("tests/fixtures/zigui-grants-2026.xlsx");
    let fixture = fixture.to_str().unwrap();
    assert!(stdout(&run(&db, &["import", "list"])).contains("还没有导入过表格。"));

    // All or nothing refuses a file with invalid rows: exit 1, nothing written.
    let refused = run(
        &db,
        &["import", fixture, "--policy", "all-or-nothing", "--json"],
    );
    assert_exit(&refused, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout(&refused)).unwrap();
    assert_eq!(report["committed"], false);

    let zero = run(&db, &["import", fixture, "--header-row", "0", "--dry-run"]);
    assert_exit(&zero, 2);
    assert!(
        stderr(&zero).contains("表头行不能是 0"),
        "{}",
        stderr(&zero)
    );

    let dry = run(&db, &["import", fixture, "--dry-run", "--json"]);
    assert_exit(&dry, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&dry)).unwrap();
    for key in [
        "batch_id",
        "file",
        "sheet",
        "header_row",
        "mapping",
        "rows_read",
        "new",
        "updated",
        "unchanged",
        "duplicates_in_file",
        "out_of_jurisdiction",
        "invalid",
        "errors",
        "warnings",
        "dry_run",
        "committed",
    ] {
        assert!(report.get(key).is_some(), "{key} missing");
    }
    assert_eq!(
        (report["new"].as_u64(), report["dry_run"].as_bool()),
        (Some(400), Some(true))
    );
    assert_eq!(report["mapping"]["专利申请号"], "application_number");
    assert_eq!(
        report.get("townships_to_fill"),
        None,
        "a dry run tells none"
    );

    let done = run(&db, &["import", fixture]);
    assert_exit(&done, 0);
    let text = stdout(&done);
    assert!(
        text.contains("新增 400")
            && text.contains("有误 23")
            && text.contains("ipdesk import undo"),
        "{text}"
    );
    assert!(
        !stderr(&done).contains('█'),
        "no progress bar off a terminal"
    );
    // The same file again is told as the import it repeats, in words and in JSON.
    let batch = text
        .split("ipdesk import undo ")
        .nth(1)
        .and_then(|rest| rest.trim().parse::<i64>().ok())
        .unwrap();
    assert!(!text.contains("文件内容完全相同"), "{text}");
    let again = stdout(&run(&db, &["import", fixture, "--dry-run"]));
    assert!(
        again.contains(&format!("这份文件与第 {batch} 次导入（命令行（")),
        "{again}"
    );
    let again = stdout(&run(&db, &["import", fixture, "--dry-run", "--json"]));
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["same_file_as"]["batch_id"], batch, "{again}");
    // The revised roster: each changed cell told with what it replaces, the first twenty listed.
    let revised = repo_path("tests/fixtures/zigui-grants-2026-revised.xlsx");
    let revised = stdout(&run(
        &db,
        &["import", revised.to_str().unwrap(), "--dry-run"],
    ));
    assert!(
        revised.contains(
            "  ~ B22 名称：“新型蓝光二极管芯片（修订）”，替换登记簿中的“新型蓝光二极管芯片”。\n"
        ) && revised.contains("……另有 8 条未列出。"),
        "{revised}"
    );

    // The history for a person: local time, register, counts as a sentence (not JSON).
    let listed = stdout(&run(&db, &["import", "list"]));
    assert!(
        listed.contains("已导入  专利")
            && listed.contains(
                "共 600 行：新增 400，更新 0，无变化 0，文件内重复 8，非本县 169，有误 23。"
            )
            && !listed.contains("rows_read"),
        "{listed}"
    );
    // A page of it, newest first, says how to reach the next (the refused import before).
    let first = stdout(&run(&db, &["import", "list", "--per-page", "1"]));
    assert!(
        first.contains("已导入")
            && !first.contains("未导入")
            && first.ends_with("列出了第 1–1 条，共 2 条；下一页：--page 2。\n"),
        "{first}"
    );
    let second = stdout(&run(
        &db,
        &["import", "list", "--per-page", "1", "--page", "2"],
    ));
    assert!(
        !second.contains("已导入") && second.ends_with("列出了第 2–2 条，共 2 条。\n"),
        "{second}"
    );
    // The audit log from the terminal: the import, named in the user's language.
    let audit = stdout(&run(&db, &["audit", "--entity", "import_batch"]));
    assert!(
        audit.contains("导入  导入批次 #")
            && audit.contains("    文件：zigui-grants-2026.xlsx")
            && audit.contains("    结果：共 600 行：新增 400，"),
        "{audit}"
    );
    let audit = run(&db, &["audit", "--limit", "1", "--json"]);
    assert_exit(&audit, 0);
    let audit: serde_json::Value = serde_json::from_str(&stdout(&audit)).unwrap();
    assert_eq!(audit["entries"].as_array().map(Vec::len), Some(1));
    let total = audit["total"].as_u64().unwrap();
    assert!(total > 1, "{audit}");
    // Page by page: the second entry on the second page, and the way to the next page told.
    let paged = stdout(&run(&db, &["audit", "--limit", "1", "--page", "2"]));
    assert!(
        paged.contains(&format!(
            "列出了第 2–2 条，共 {total} 条；下一页：--page 3。"
        )),
        "{paged}"
    );
    let second = run(&db, &["audit", "--limit", "1", "--page", "2", "--json"]);
    let second: serde_json::Value = serde_json::from_str(&stdout(&second)).unwrap();
    assert_ne!(second["entries"][0], audit["entries"][0]);
    for limit in ["0", "201"] {
        let refused = run(&db, &["audit", "--limit", limit]);
        assert_exit(&refused, 2);
        assert!(
            stderr(&refused).contains(&format!("--limit <LIMIT> 的值“{limit}”不对")),
            "{}",
            stderr(&refused)
        );
    }
    let bad_day = run(&db, &["audit", "--from", "2026-02-30"]);
    assert_exit(&bad_day, 2);
    assert!(stderr(&bad_day).contains("“2026-02-30”不是有效的日期"));
    let list = run(&db, &["import", "list", "--json"]);
    assert_exit(&list, 0);
    let history: serde_json::Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(
        (history["total"].as_u64(), history["page"].as_u64()),
        (Some(2), Some(1))
    );
    let batches = &history["items"];
    let id = batches[0]["batch_id"].as_i64().unwrap();
    assert_eq!(batches[0]["state"], "committed");
    let undo = run(&db, &["import", "undo", &id.to_string(), "--json"]);
    assert_exit(&undo, 0);
    let undone: serde_json::Value = serde_json::from_str(&stdout(&undo)).unwrap();
    assert_eq!(undone["deleted"], 400);
    assert_exit(&run(&db, &["import", "undo", &id.to_string()]), 2);

    // A file that cannot be read: exit 2 and one sentence.
    let pdf = db.dir.path().join("roster.xlsx");
    std::fs::write(&pdf, "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n").unwrap();
    let unreadable = run(&db, &["import", pdf.to_str().unwrap(), "--json"]);
    assert_exit(&unreadable, 2);
    let told = stderr(&unreadable);
    assert_eq!(told.trim().lines().count(), 1, "{told}");
    assert!(told.contains("PDF 文件"), "{told}");
    assert!(stdout(&unreadable).is_empty());
    // A path that names no file, or a folder, says which (the roster misspelt, or its folder given).
    let misspelt = db.dir.path().join("rostr.xlsx");
    let missing = run(&db, &["import", misspelt.to_str().unwrap()]);
    assert_refused(
        &missing,
        &format!("错误：找不到文件 {}。", misspelt.display()),
    );
    let folder = db.dir.path().to_str().unwrap();
    let refused = run(&db, &["--lang", "en", "import", folder]);
    assert_refused(
        &refused,
        &format!("Error: {folder} is a folder: name a file in it."),
    );
    // A file the reading child dies on: the sentence first, the system's words (logged as a
    // warning, which the default filter shows) as its detail.
    if crate::imports::READER_DIES_OF_THE_BIG_WORKBOOK {
        let big = db.dir.path().join("big.xlsx");
        std::fs::write(&big, crate::imports::workbook_past_the_readers_memory()).unwrap();
        let died = ipdesk(
            db.dir.path(),
            Some(&db.url),
            &["import", big.to_str().unwrap()],
        )
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
        assert_refused_with_detail(
            &died,
            "这个表格太大或结构异常",
            "a workbook could not be read within the limits",
        );
    }
    assert_exit(&run(&db, &["import", "/no/such/file.xlsx"]), 2);
    assert_exit(&run(&db, &["import", fixture, "--register", "cases"]), 2);
}

/// The summary lists the first problems, says how many more there are and names the command
/// that writes them all: the error report, to fix in Excel.
#[rocket::async_test]
async fn import_errors_writes_the_report_the_summary_names() {
    let db = TestDatabase::new().await;
    let mut rows: Vec<Vec<String>> =
        vec![vec!["申请号".into(), "专利名称".into(), "申请人".into()]];
    for n in 0..60 {
        rows.push(vec![
            format!("20261{n:04}"),
            format!("茶杯{n}"),
            "秭归茶业有限公司".into(),
        ]);
    }
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    let roster = db.dir.path().join("名册.xlsx");
    std::fs::write(&roster, crate::imports::xlsx(&rows)).unwrap();
    let roster = roster.to_str().unwrap();

    let dry = run(&db, &["import", roster, "--dry-run", "--json"]);
    assert_exit(&dry, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&dry)).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert!(errors.len() > 50, "{report}");
    let first = errors[0]["message"].as_str().unwrap().to_owned();

    let done = run(&db, &["import", roster]);
    assert_exit(&done, 0);
    let text = stdout(&done);
    assert_eq!(text.matches("  ✗ ").count(), 50, "{text}");
    assert!(
        text.contains(&format!("……另有 {} 条未列出。", errors.len() - 50)),
        "{text}"
    );
    let list: serde_json::Value =
        serde_json::from_str(&stdout(&run(&db, &["import", "list", "--json"]))).unwrap();
    let id = list["items"][0]["batch_id"].as_i64().unwrap().to_string();
    assert!(
        text.contains(&format!("ipdesk import errors {id}")),
        "{text}"
    );

    let written = run(&db, &["import", "errors", &id, "-o", "改正.xlsx"]);
    assert_exit(&written, 0);
    assert!(
        stdout(&written).contains("错误报告已写入 改正.xlsx。"),
        "{}",
        stdout(&written)
    );
    let cells: Vec<String> = workbook_rows(&db.dir.path().join("改正.xlsx"))
        .into_iter()
        .flatten()
        .collect();
    assert!(
        cells.iter().any(|c| c.contains(&first)),
        "{first} not in {cells:?}"
    );
    // Unless told where, the report is named after the imported file.
    assert_exit(&run(&db, &["import", "errors", &id]), 0);
    assert!(db.dir.path().join("名册-错误报告.xlsx").exists());
    let missing = run(&db, &["import", "errors", "999"]);
    assert_exit(&missing, 2);
}

#[rocket::async_test]
async fn demo_loads_the_samples_into_an_empty_desk() {
    let db = TestDatabase::new().await;
    let future = run(&db, &["demo", "--as-of", "2999-01-01"]);
    assert_exit(&future, 2);
    assert!(
        stderr(&future).contains("示例数据的日期不能晚于今天"),
        "{}",
        stderr(&future)
    );
    let loaded = run(&db, &["demo", "--as-of", "2026-11-30", "--json"]);
    assert_exit(&loaded, 0);
    let reports: serde_json::Value = serde_json::from_str(&stdout(&loaded)).unwrap();
    assert_eq!(reports[0]["new"], 10);
    assert_eq!(reports[1]["new"], 28);
    assert_eq!(reports[1]["invalid"], 2);
    // As every import's result tells it: after the patents, none of the ten enterprises of the
    // high-tech list has a township their patents could not suggest (the visits fill eight).
    assert_eq!(reports[0]["townships_to_fill"], 0);
    assert_eq!(reports[1]["townships_to_fill"], 10);
    // The officer's own ledgers: visits, events, inspections and cases, every row good.
    for (index, (file, new)) in [
        ("visits-ledger-sample.xlsx", 8),
        ("events-ledger-sample.xlsx", 5),
        ("inspections-ledger-sample.xlsx", 3),
        ("cases-ledger-sample.xlsx", 4),
    ]
    .into_iter()
    .enumerate()
    {
        let report = &reports[index + 2];
        assert_eq!(report["file"], file, "{report}");
        assert_eq!(report["new"], new, "{report}");
        assert_eq!(report["invalid"], 0, "{report}");
        assert!(report.get("townships_to_fill").is_none(), "{report}");
        // The visits ledger names the townships the enterprises of the high-tech list lack.
        let told = report["warnings"].as_array().unwrap();
        let townships_given = if file == "visits-ledger-sample.xlsx" {
            8
        } else {
            0
        };
        assert_eq!(told.len(), townships_given, "{report}");
        assert!(
            told.iter()
                .all(|w| w["message"].as_str().unwrap().contains("导入时将记为")),
            "{report}"
        );
    }
    // An enterprise's cases, as its page lists them.
    let found = stdout(&run(&db, &["enterprises", "list", "--q", "橘颂", "--json"]));
    let found: serde_json::Value = serde_json::from_str(&found).unwrap();
    let tea = found["items"][0]["id"].to_string();
    let all = stdout(&run(&db, &["cases", "list"]));
    assert!(all.contains("移送"), "{all}");
    assert!(all.lines().all(|line| line == line.trim_end()), "{all}");
    // Its card counts its visits, events and cases, with the command that lists each.
    let card = stdout(&run(&db, &["enterprises", "show", &tea]));
    let listed =
        format!("        涉及的执法案件：1 条，查看：ipdesk cases list --enterprise {tea}\n");
    assert!(card.contains(&listed), "{card}");
    let cases = stdout(&run(&db, &["cases", "list", "--enterprise", &tea]));
    assert!(
        cases.contains("秭知执字〔2026〕4号") && !cases.contains("秭知执字〔2026〕1号"),
        "{cases}"
    );
    // Two of the enterprises visited file a patent application after the visit, so the desk
    // shows what visits lead to, as a county's does.
    let visits = stdout(&run(&db, &["visits", "list"]));
    assert!(
        visits.contains("走访的8家企业中，2家在走访后12个月内提交了专利申请，占25.0%。"),
        "{visits}"
    );
    // Two enterprises of the high-tech list have no township, and their patents tell it.
    let listed = stdout(&run(&db, &["enterprises", "townships"]));
    assert!(
        listed
            .contains("秭归恒通建材有限公司（编号 6）：两河口镇（3 件专利中 3 件的地址在该乡镇）"),
        "{listed}"
    );
    assert!(listed.contains("2 家企业还没有登记乡镇"), "{listed}");
    let apply = [
        "enterprises",
        "townships",
        "--apply",
        "--enterprise",
        "6",
        "--json",
    ];
    let given = run(&db, &apply);
    assert_exit(&given, 0);
    let given: serde_json::Value = serde_json::from_str(&stdout(&given)).unwrap();
    assert_eq!(given["given"][0]["township"], "两河口镇", "{given}");
    assert_eq!(given["given"].as_array().map(Vec::len), Some(1), "{given}");
    let card = stdout(&run(&db, &["enterprises", "show", "6"]));
    assert!(card.contains("两河口镇"), "{card}");
    let left = stdout(&run(&db, &["enterprises", "townships", "--json"]));
    let left: serde_json::Value = serde_json::from_str(&left).unwrap();
    assert_eq!(left["items"].as_array().map(Vec::len), Some(1), "{left}");
    // Listed by the township suggested; a township not in the list is told, not answered empty.
    let township = left["items"][0]["township"].as_str().unwrap();
    let of_it = ["enterprises", "townships", "--township", township, "--json"];
    let of_it: serde_json::Value = serde_json::from_str(&stdout(&run(&db, &of_it))).unwrap();
    assert_eq!(of_it["items"], left["items"]);
    let unknown = run(&db, &["enterprises", "townships", "--township", "不存在镇"]);
    assert_exit(&unknown, 2);
    assert!(
        stderr(&unknown).contains("找不到名为“不存在镇”的乡镇。"),
        "{}",
        stderr(&unknown)
    );
    // A patent roster's import ends by pointing to the one left.
    let roster = db.dir.path().join("roster.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let number = crate::reports::number(2026, 2, 99);
    let row = [
        ("申请号", number.as_str()),
        ("专利名称", "一种柑橘分拣装置"),
        ("申请人", "秭归县新来的果业公司"),
        ("申请日", "2026-03-02"),
        ("地址", "湖北省宜昌市秭归县茅坪镇"),
    ];
    for (col, (header, value)) in row.iter().enumerate() {
        sheet.write(0, col as u16, *header).unwrap();
        sheet.write(1, col as u16, *value).unwrap();
    }
    book.save(&roster).unwrap();
    let imported = run(&db, &["import", roster.to_str().unwrap()]);
    assert_exit(&imported, 0);
    let told = stdout(&imported);
    assert!(told.contains("新增 1"), "{told}");
    assert!(
        told.contains("1 家企业还没有登记乡镇，可按其专利地址补全。\n补全：ipdesk enterprises townships --apply"),
        "{told}"
    );
    // A visit registers an enterprise in the township given; a later visit naming another
    // township is refused, since the enterprise's township is changed on the enterprise.
    let named = ["visits", "add", "--enterprise-name", "秭归县新来的茶叶公司"];
    let day = ["--visited-on", "2026-11-20", "--json"];
    let recorded = run(&db, &[&named[..], &day, &["--township", "屈原镇"]].concat());
    assert_exit(&recorded, 0);
    let recorded: serde_json::Value = serde_json::from_str(&stdout(&recorded)).unwrap();
    assert_eq!(recorded["township"], "屈原镇", "{recorded}");
    let other = run(&db, &[&named[..], &day, &["--township", "茅坪镇"]].concat());
    assert_refused(
        &other,
        "“秭归县新来的茶叶公司”已登记在屈原镇。要改为茅坪镇，请在企业页修改",
    );
    let again = run(&db, &["demo"]);
    assert_exit(&again, 2);
    assert!(stderr(&again).contains("空的工作台"), "{}", stderr(&again));
}

#[rocket::async_test]
async fn export_writes_a_register_to_a_file() {
    let db = TestDatabase::new().await;
    assert_exit(&run(&db, &["demo", "--as-of", "2026-11-30"]), 0);
    let written = run(&db, &["export", "patents", "-o", "台账.xlsx"]);
    assert_exit(&written, 0);
    assert!(
        stdout(&written).contains("已导出 28 行到 台账.xlsx"),
        "{}",
        stdout(&written)
    );
    let path = db.dir.path().join("台账.xlsx");
    let rows = workbook_rows(&path);
    assert_eq!(rows[2][1], "申请号");
    // Title, subtitle, header, 28 patents, totals.
    assert_eq!(rows.len(), 3 + 28 + 1);
    assert!(!db.dir.path().join("台账.xlsx.part").exists());

    let grants = run(
        &db,
        &[
            "export",
            "grants",
            "--year",
            "2026",
            "--type",
            "invention",
            "-o",
            "g.xlsx",
            "--json",
        ],
    );
    assert_exit(&grants, 0);
    let told: serde_json::Value = serde_json::from_str(&stdout(&grants)).unwrap();
    let rows = workbook_rows(&db.dir.path().join("g.xlsx"));
    assert_eq!(told["rows"].as_u64(), Some(rows.len() as u64 - 4), "{told}");
    assert!(rows[1][0].contains("类型：发明"), "{:?}", rows[1]);
    assert!(
        told["suggested_name"]
            .as_str()
            .unwrap()
            .starts_with("授权专利清单_秭归县_2026-01-01至2026-12-31")
    );

    // The visits register, imported from a ledger through the CLI, then exported by topic.
    let ledger = db.dir.path().join("走访台账.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, text) in ["走访日期", "企业名称", "走访内容"].iter().enumerate() {
        sheet.write(0, col as u16, *text).unwrap();
    }
    for (row, (day, name, topic)) in [
        ("2026-03-10", "秭归县屈乡脐橙有限公司", "专利申报"),
        ("2026-04-10", "秭归县新认识的公司", "知识产权保护"),
    ]
    .iter()
    .enumerate()
    {
        for (col, text) in [day, name, topic].iter().enumerate() {
            sheet.write(row as u32 + 1, col as u16, **text).unwrap();
        }
    }
    book.save(&ledger).unwrap();
    let imported = run(
        &db,
        &[
            "import",
            ledger.to_str().unwrap(),
            "--register",
            "visits",
            "--json",
        ],
    );
    assert_exit(&imported, 0);
    let told: serde_json::Value = serde_json::from_str(&stdout(&imported)).unwrap();
    assert_eq!(told["new"], 2, "{told}");
    let visits = run(
        &db,
        &[
            "export",
            "visits",
            "--topic",
            "ip_protection",
            "-o",
            "v.xlsx",
        ],
    );
    assert_exit(&visits, 0);
    // The imported visit on protection is there beside the demo's; the one on filing is not.
    let rows = workbook_rows(&db.dir.path().join("v.xlsx"));
    let visited: Vec<&str> = rows.iter().map(|row| row[2].as_str()).collect();
    assert!(visited.contains(&"秭归县新认识的公司"), "{rows:?}");
    assert!(!visited.contains(&"秭归县屈乡脐橙有限公司"), "{rows:?}");

    let unknown = run(&db, &["export", "lunches", "-o", "v.xlsx"]);
    assert_refused(&unknown, "没有这个登记簿");
    let nowhere = run(
        &db,
        &["export", "enterprises", "-o", "no/such/folder/e.xlsx"],
    );
    assert_refused(&nowhere, "文件夹 no/such/folder 不存在");
    // A name that is not a plain file is never put aside for the export: a folder, a link, a
    // special file (a socket here; a device like /dev/null as root).
    let _socket = std::os::unix::net::UnixListener::bind(db.dir.path().join("s.xlsx")).unwrap();
    std::os::unix::fs::symlink(db.dir.path().join("v.xlsx"), db.dir.path().join("l.xlsx")).unwrap();
    let csv = run(&db, &["export", "enterprises", "-o", "e.csv"]);
    assert_refused(&csv, "文件名应以 .xlsx 结尾，例如 e.xlsx");
    assert!(!db.dir.path().join("e.csv").exists());
    std::fs::create_dir(db.dir.path().join("d.xlsx")).unwrap();
    for taken in ["d.xlsx", "s.xlsx", "l.xlsx"] {
        let refused = run(&db, &["export", "enterprises", "-o", taken]);
        assert_refused(&refused, &format!("{taken} 已经存在，但不是普通文件"));
    }
    let socket = std::fs::symlink_metadata(db.dir.path().join("s.xlsx")).unwrap();
    assert!(!socket.file_type().is_file());
    assert!(
        std::fs::symlink_metadata(db.dir.path().join("l.xlsx"))
            .unwrap()
            .is_symlink()
    );
    // A folder that may not be written (even by root): why, in the reader's language.
    let refused = run(&db, &["export", "enterprises", "-o", "/sys/e.xlsx"]);
    assert_refused_with_detail(
        &refused,
        "无法写入 /sys/e.xlsx（没有写入权限）",
        "export: cannot write the file",
    );
    let backwards = run(
        &db,
        &[
            "export",
            "grants",
            "--from",
            "2026-07-01",
            "--to",
            "2026-06-30",
            "-o",
            "b.xlsx",
        ],
    );
    assert_refused(&backwards, "早于");
    assert!(!db.dir.path().join("b.xlsx").exists());
}

/// A workbook's first sheet as text.
fn workbook_rows(path: &Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(path).expect("an xlsx");
    let range = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[rocket::async_test]
async fn targets_and_the_year_to_date_report_from_the_command_line() {
    let db = TestDatabase::new().await;
    assert_exit(&run(&db, &["demo", "--as-of", "2026-11-30"]), 0);
    let set = run(
        &db,
        &[
            "target", "set", "--year", "2026", "--metric", "grants", "--value", "40",
        ],
    );
    assert_exit(&set, 0);
    assert!(
        stdout(&set).contains("2026 年 全县 专利授权 目标：40"),
        "{}",
        stdout(&set)
    );
    let report = run(
        &db,
        &[
            "report",
            "ytd",
            "--year",
            "2026",
            "--as-of",
            "2026-11-28",
            "--json",
        ],
    );
    assert_exit(&report, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout(&report)).unwrap();
    let done = report["grants"]["total"].as_i64().unwrap();
    assert!(done > 0, "{report}");
    assert_eq!(report["targets"]["grants"]["target"], 40);
    assert_eq!(report["targets"]["grants"]["done"], done);
    let text = run(
        &db,
        &["report", "ytd", "--year", "2026", "--as-of", "2026-11-28"],
    );
    assert_exit(&text, 0);
    assert!(
        stdout(&text).contains(&format!("专利授权：完成 {done} / 目标 40")),
        "{}",
        stdout(&text)
    );
    let unplanned = run(&db, &["target", "list", "--year", "2031"]);
    assert_exit(&unplanned, 0);
    assert!(stdout(&unplanned).contains("2031年还没有设定计划目标。"));
    let mistyped = run(&db, &["target", "list", "--year", "1999"]);
    assert_exit(&mistyped, 2);
    assert!(stderr(&mistyped).contains("年份 1999 不对（2000 至 2100）"));
    let listed = run(&db, &["target", "list", "--year", "2026", "--json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout(&listed)).unwrap()[0]["value"],
        40
    );
    let cleared = run(
        &db,
        &["target", "clear", "--year", "2026", "--metric", "grants"],
    );
    assert!(stdout(&cleared).contains("已清除"), "{}", stdout(&cleared));
    // Without a target the report says so, and how to set one.
    let text = run(
        &db,
        &["report", "ytd", "--year", "2026", "--as-of", "2026-11-28"],
    );
    let text = stdout(&text);
    assert!(text.contains(&format!("专利授权：{done} 项（")), "{text}");
    assert!(
        text.contains("未设 2026 年的年度目标（设定：ipdesk target set --year 2026"),
        "{text}"
    );
    // By the end of March the demo has granted as many patents as by then last year: the change
    // reads as on the web, not as a signed zero; with nothing filed by then last year, as "—".
    for (as_of, change) in [
        ("2026-03-31", "授权 3 项（持平）"),
        ("2026-01-31", "申请 0 项（—）"),
    ] {
        let report = run(&db, &["report", "ytd", "--year", "2026", "--as-of", as_of]);
        assert!(stdout(&report).contains(change), "{}", stdout(&report));
    }

    let excel = run(
        &db,
        &[
            "report",
            "ytd",
            "--year",
            "2026",
            "--as-of",
            "2026-11-28",
            "-o",
            "报表.xlsx",
        ],
    );
    assert_exit(&excel, 0);
    assert!(
        stdout(&excel).contains("报表已写入 报表.xlsx"),
        "{}",
        stdout(&excel)
    );
    let rows = workbook_rows(&db.dir.path().join("报表.xlsx"));
    assert_eq!(rows[2][0], "月份");
    assert_eq!(rows.len(), 3 + 11 + 1);
    let summary = run(
        &db,
        &[
            "report",
            "summary",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
        ],
    );
    assert_exit(&summary, 0);
    assert!(
        stdout(&summary).starts_with(&format!(
            "{}，共申报专利",
            crate::reports::first_half_of_2026("zh")
        )),
        "{}",
        stdout(&summary)
    );
    let english = run(
        &db,
        &[
            "report",
            "summary",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
            "--lang",
            "en",
            "--json",
        ],
    );
    let english: serde_json::Value = serde_json::from_str(&stdout(&english)).unwrap();
    assert_eq!(english["lang"], "en");
    assert!(
        english["text"]
            .as_str()
            .unwrap()
            .starts_with(crate::reports::first_half_of_2026("en")),
        "{english}"
    );
    let backwards = run(
        &db,
        &[
            "report",
            "summary",
            "--from",
            "2026-07-01",
            "--to",
            "2026-06-30",
        ],
    );
    assert_exit(&backwards, 2);
    // A named period of a year says the same as its dates; a period unknown, or given with
    // dates, is refused with its sentence.
    let named = run(
        &db,
        &["report", "summary", "--period", "h1", "--year", "2026"],
    );
    assert_exit(&named, 0);
    assert_eq!(stdout(&named), stdout(&summary));
    let unknown = run(&db, &["report", "summary", "--period", "h3"]);
    assert_refused(&unknown, "没有“h3”这个时段");
    let both = run(
        &db,
        &[
            "report",
            "summary",
            "--period",
            "h1",
            "--from",
            "2026-01-01",
        ],
    );
    assert_refused(&both, "时段（及年份）与起止日期只能二选一");
    let bad = run(
        &db,
        &[
            "target", "set", "--year", "2026", "--metric", "visits", "--value", "1",
        ],
    );
    assert_refused(&bad, "没有“visits”这项指标");
    let bad_day = run(&db, &["report", "ytd", "--as-of", "2026-02-30"]);
    assert_exit(&bad_day, 2);
}

#[rocket::async_test]
async fn a_command_run_without_user_in_its_environment_is_audited_as_its_account() {
    let db = TestDatabase::new().await;
    let output = ipdesk(
        db.dir.path(),
        Some(&db.url),
        &["jurisdiction", "set", "--county", "秭归县"],
    )
    .env_remove("USER")
    .env_remove("LOGNAME")
    .env_remove("USERNAME")
    .output()
    .unwrap();
    assert_exit(&output, 0);
    let conn = db.connect().await;
    let actors: Vec<String> =
        <ipdesk::entities::audit_entry::Entity as sea_orm::EntityTrait>::find()
            .all(&conn)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.actor)
            .collect();
    assert!(!actors.is_empty());
    for actor in actors {
        assert!(
            actor.starts_with("cli:") && actor != "cli:unknown",
            "{actor}"
        );
    }
}

/// An empty list says so rather than printing nothing, which reads as a command that failed.
#[rocket::async_test]
async fn empty_lists_say_they_are_empty() {
    let db = TestDatabase::new().await;
    for (args, told) in [
        (&["township", "list"][..], "还没有乡镇。"),
        (&["token", "list"][..], "还没有令牌。"),
        (
            &["enterprises", "unlinked"][..],
            "所有申请人都已关联到企业。",
        ),
        (
            &["--lang", "en", "township", "list"][..],
            "No townships yet.",
        ),
    ] {
        let listed = run(&db, args);
        assert_exit(&listed, 0);
        assert!(
            stdout(&listed).contains(told),
            "{args:?}: {}",
            stdout(&listed)
        );
    }
}

/// A terminal has no pager links: a list that shows one page of several says which rows it shows
/// and how to reach the next page, and a page past the end says how many there are.
#[rocket::async_test]
async fn a_list_of_several_pages_tells_how_to_reach_the_next() {
    let db = TestDatabase::new().await;
    assert_exit(&run(&db, &["demo", "--as-of", "2026-11-30"]), 0);
    let page = |args: &[&str]| {
        let listed = run(&db, args);
        assert_exit(&listed, 0);
        stdout(&listed)
    };
    let first = page(&["patents", "list", "--per-page", "10"]);
    assert_eq!(first.lines().count(), 12, "{first}");
    assert!(
        first.ends_with("共 28 件\n列出了第 1–10 条，共 28 条；下一页：--page 2。\n"),
        "{first}"
    );
    let last = page(&["patents", "list", "--per-page", "10", "--page", "3"]);
    assert_eq!(last.lines().count(), 10, "{last}");
    assert!(last.ends_with("列出了第 21–28 条，共 28 条。\n"), "{last}");
    let past = page(&["patents", "list", "--per-page", "10", "--page", "9"]);
    assert_eq!(past, "共 28 件\n第 9 页没有记录：共 28 条，分 3 页。\n");
    // One page holding everything needs no such line.
    let whole = page(&["patents", "list"]);
    assert!(whole.ends_with("共 28 件\n"), "{whole}");
    let english = page(&["--lang", "en", "enterprises", "list", "--per-page", "4"]);
    assert!(
        english.ends_with("Rows 1–4 of 10; the next page: --page 2.\n"),
        "{english}"
    );
    for register in ["events", "visits", "inspections", "cases"] {
        let listed = page(&[register, "list", "--per-page", "1", "--page", "2"]);
        assert!(
            listed.contains("列出了第 2–2 条，共 "),
            "{register}: {listed}"
        );
    }
}

#[rocket::async_test]
async fn an_inspection_from_the_terminal_reads_in_full() {
    let db = TestDatabase::new().await;
    let added = run(
        &db,
        &[
            "inspections",
            "add",
            "--title",
            "元旦春节专利执法检查",
            "--starts-on",
            "2026-01-12",
            "--premises-inspected",
            "15",
            "--problem",
            "标注已失效的专利号（当事人：某超市）",
        ],
    );
    assert_exit(&added, 0);
    let added = stdout(&added);
    assert!(
        added.contains("元旦春节专利执法检查  发现问题1个")
            && added.contains("        检查经营场所（家次）：15")
            && added.contains("        发现的问题：标注已失效的专利号（某超市）"),
        "{added}"
    );
    let listed = stdout(&run(&db, &["--lang", "en", "inspections", "list"]));
    assert!(
        listed.contains("元旦春节专利执法检查  1 problem found"),
        "{listed}"
    );
}

#[rocket::async_test]
async fn events_and_visits_from_the_terminal() {
    let db = TestDatabase::new().await;
    let added = run(
        &db,
        &[
            "events",
            "add",
            "--kind",
            "world_ip_day",
            "--title",
            "4.26知识产权进校园",
            "--starts-on",
            "2026-04-26",
            "--co-organiser",
            "县教育局",
            "--co-organiser",
            "县市场监管局",
            "--attendees",
            "300",
            "--json",
        ],
    );
    assert_exit(&added, 0);
    let event: serde_json::Value = serde_json::from_str(&stdout(&added)).unwrap();
    assert_eq!(
        event["co_organisers"],
        serde_json::json!(["县教育局", "县市场监管局"])
    );
    let id = event["id"].to_string();
    let edited = run(
        &db,
        &["events", "edit", &id, "--attendees", "320", "--json"],
    );
    assert_exit(&edited, 0);
    let edited: serde_json::Value = serde_json::from_str(&stdout(&edited)).unwrap();
    assert_eq!(
        (edited["attendees"].as_i64(), edited["title"].as_str()),
        (Some(320), Some("4.26知识产权进校园"))
    );
    let listed = run(&db, &["events", "list"]);
    assert!(
        stdout(&listed).contains("共1次活动，参加320人次"),
        "{}",
        stdout(&listed)
    );
    // `show` prints the whole record, a labelled line a field, codes in words.
    let shown = stdout(&run(&db, &["events", "show", &id]));
    assert!(
        shown.contains("4.26世界知识产权日")
            && shown.contains("        参加人数：320")
            && shown.contains("        协办单位：县教育局、县市场监管局")
            && !shown.contains("world_ip_day"),
        "{shown}"
    );
    let english = stdout(&run(&db, &["--lang", "en", "events", "show", &id]));
    assert!(english.contains("        Attendees: 320"), "{english}");
    // The audit log words a register's changes as its page does: labels and codes in words,
    // a new record by what it was given, no bookkeeping.
    let audit = stdout(&run(&db, &["audit", "--entity", "event"]));
    assert!(
        audit.contains("    参加人数：300 → 320")
            && audit.contains("    活动类型：4.26世界知识产权日")
            && !audit.contains("版本"),
        "{audit}"
    );
    let bad = run(
        &db,
        &[
            "events",
            "add",
            "--kind",
            "party",
            "--title",
            "x",
            "--starts-on",
            "2026-04-26",
        ],
    );
    assert_refused(&bad, "没有“party”这种活动类型");

    // A visit to one enterprise on one day; each use adds its own flags.
    let visit_add = [
        "visits",
        "add",
        "--enterprise-name",
        "秭归县屈乡脐橙有限公司",
        "--visited-on",
        "2026-05-12",
    ];
    let visited = run(
        &db,
        &[
            &visit_add[..],
            &[
                "--officer",
                "县局老王",
                "--topic",
                "patent_filing",
                "--follow-up",
                "联系代理机构（责任人：张三；期限：2026-06-01）",
                "--json",
            ],
        ]
        .concat(),
    );
    assert_exit(&visited, 0);
    let visit: serde_json::Value = serde_json::from_str(&stdout(&visited)).unwrap();
    assert_eq!(visit["follow_ups"][0]["owner"], "张三");
    assert_eq!(visit["follow_ups"][0]["due_on"], "2026-06-01");
    let open = run(&db, &["visits", "list", "--open", "--json"]);
    let open: serde_json::Value = serde_json::from_str(&stdout(&open)).unwrap();
    assert_eq!(open["total"], 1);
    let id = visit["id"].to_string();
    // What the dashboard lists as due or overdue, from the terminal.
    let due = stdout(&run(&db, &["visits", "due"]));
    assert_eq!(
        due,
        format!(
            "已逾期（2026-06-01）  秭归县屈乡脐橙有限公司：联系代理机构（张三）（走访 {id}）\n"
        )
    );
    let due = stdout(&run(&db, &["--lang", "en", "visits", "due"]));
    assert_eq!(
        due,
        format!(
            "overdue since 2026-06-01  秭归县屈乡脐橙有限公司: 联系代理机构 (张三) (visit {id})\n"
        )
    );
    let due: serde_json::Value =
        serde_json::from_str(&stdout(&run(&db, &["visits", "due", "--json"]))).unwrap();
    assert_eq!(due[0]["overdue"], true, "{due}");
    let done = run(
        &db,
        &[
            "visits",
            "edit",
            &id,
            "--follow-up",
            "联系代理机构（责任人：张三；期限：2026-06-01；完成日期：2026-05-30）",
        ],
    );
    assert_exit(&done, 0);
    let open = run(&db, &["visits", "list", "--open", "--json"]);
    let open: serde_json::Value = serde_json::from_str(&stdout(&open)).unwrap();
    assert_eq!(open["total"], 0, "{open}");
    assert_eq!(
        stdout(&run(&db, &["visits", "due"])),
        "没有一周内到期或已逾期的跟进事项。\n"
    );
    let archived = run(&db, &["visits", "archive", &id]);
    assert_exit(&archived, 0);
    assert!(stdout(&archived).contains("已归档对“秭归县屈乡脐橙有限公司”的走访。"));

    // The due list stops at its 50 most urgent and says where the rest are.
    let follow_ups: Vec<String> = (1..=51)
        .map(|n| format!("第{n}件事（期限：2026-06-01）"))
        .collect();
    let mut add = visit_add.to_vec();
    for follow_up in &follow_ups {
        add.extend(["--follow-up", follow_up.as_str()]);
    }
    assert_exit(&run(&db, &add), 0);
    let due = stdout(&run(&db, &["visits", "due"]));
    assert_eq!(due.lines().count(), 51, "{due}");
    assert!(
        due.contains("：第50件事") && !due.contains("：第51件事"),
        "{due}"
    );
    assert!(
        due.ends_with("以上是最紧迫的 50 条，可能还有更多：ipdesk visits list --open 列出所有有未办结跟进事项的走访。\n"),
        "{due}"
    );
}

#[rocket::async_test]
async fn a_year_s_holidays_load_from_the_terminal() {
    let db = TestDatabase::new().await;
    let path = db.dir.path().join("2026节假日.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (row, cells) in [
        ["2026-10-01至2026-10-07", "休", "国庆节"],
        ["2026-10-10", "班", "国庆节调休"],
    ]
    .iter()
    .enumerate()
    {
        for (col, text) in cells.iter().enumerate() {
            sheet.write(row as u32, col as u16, *text).unwrap();
        }
    }
    book.save(&path).unwrap();
    let loaded = run(&db, &["calendar", "import", path.to_str().unwrap()]);
    assert_exit(&loaded, 0);
    assert!(
        stdout(&loaded).contains("已导入2026年的安排：节假日7天，调休上班1天。"),
        "{}",
        stdout(&loaded)
    );
    let listed = run(&db, &["calendar", "list", "--year", "2026", "--json"]);
    let days: serde_json::Value = serde_json::from_str(&stdout(&listed)).unwrap();
    assert_eq!(days.as_array().map(Vec::len), Some(8));
    assert_exit(
        &run(&db, &["calendar", "set", "2026-09-20", "--kind", "班"]),
        0,
    );
    assert_exit(&run(&db, &["calendar", "remove", "2026-09-20"]), 0);
    let bad = run(&db, &["calendar", "set", "2026-09-21", "--kind", "半天"]);
    assert_exit(&bad, 2);
    // The State Council's notice, built in: the whole year replaces the sheet's two lines.
    let notice = run(&db, &["calendar", "notice", "2026"]);
    assert_exit(&notice, 0);
    assert!(
        stdout(&notice).contains("已导入2026年的安排：节假日33天，调休上班6天。"),
        "{}",
        stdout(&notice)
    );
    let listed = run(&db, &["calendar", "list", "--year", "2026", "--json"]);
    let days: serde_json::Value = serde_json::from_str(&stdout(&listed)).unwrap();
    assert_eq!(days.as_array().map(Vec::len), Some(39));
    // The notice's names read in the reader's language; the JSON keeps them as stored.
    assert_eq!(days[0]["name"], "元旦");
    let english = stdout(&run(
        &db,
        &["--lang", "en", "calendar", "list", "--year", "2026"],
    ));
    assert!(
        english.contains("2026-01-01  Holiday (休)  New Year's Day")
            && english.contains(
                "2026-01-04  Make-up working day (班)  Make-up working day for New Year's Day"
            ),
        "{english}"
    );
    let chinese = stdout(&run(&db, &["calendar", "list", "--year", "2026"]));
    assert!(
        chinese.contains("2026-01-04  调休上班（班）  元旦调休上班"),
        "{chinese}"
    );
    // A year not loaded says how to load it: the built-in notice, or a sheet.
    let empty = stdout(&run(&db, &["calendar", "list", "--year", "2025"]));
    assert!(empty.contains("ipdesk calendar notice 2025"), "{empty}");
    let empty = stdout(&run(
        &db,
        &["--lang", "en", "calendar", "list", "--year", "2027"],
    ));
    assert!(
        empty.contains(
            "carry a warning. (to load the notice copied into a sheet: ipdesk calendar import"
        ),
        "{empty}"
    );
    let unknown = run(&db, &["calendar", "notice", "2019", "--json"]);
    assert_refused(&unknown, "没有内置2019年的放假通知");
}

#[rocket::async_test]
async fn time_limits_from_the_terminal() {
    let db = TestDatabase::new().await;
    let listed = run(&db, &["deadlines", "list"]);
    assert_exit(&listed, 0);
    let listed = stdout(&listed);
    // Columns lined up as the terminal shows Chinese (two columns a character).
    assert!(
        listed
            .contains("acceptance               15个工作日  +15个工作日  收到线索后决定是否立案\n")
            && listed.contains("dispute_acceptance       5个工作日   不可延长     收到侵权纠纷")
            && listed.contains("counterfeiting_decision  90日        +30日        假冒专利案件")
            && !listed.contains("+不可延长"),
        "{listed}"
    );
    let set = run(
        &db,
        &[
            "deadlines",
            "set",
            "acceptance",
            "--amount",
            "10",
            "--unit",
            "working_days",
        ],
    );
    assert_exit(&set, 0);
    assert!(stdout(&set).contains("10个工作日"), "{}", stdout(&set));
    let bad = run(
        &db,
        &[
            "deadlines",
            "set",
            "acceptance",
            "--amount",
            "10",
            "--unit",
            "weeks",
        ],
    );
    assert_exit(&bad, 2);
    // The sentences are printed without their fields, so each says which length it is about.
    let both = run(
        &db,
        &[
            "deadlines",
            "set",
            "acceptance",
            "--amount",
            "0",
            "--unit",
            "days",
            "--extension-amount",
            "0",
        ],
    );
    assert_exit(&both, 2);
    assert!(
        stderr(&both).contains("错误：请填写1到3650之间的整数。")
            && stderr(&both)
                .contains("错误：可延长的长度请填写1到3650之间的整数；不可延长的留空。"),
        "{}",
        stderr(&both)
    );
    assert_exit(&run(&db, &["deadlines", "reset", "acceptance"]), 0);
    let json = run(&db, &["deadlines", "list", "--json"]);
    let rules: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(rules[0]["period"]["amount"], 15);
}

#[rocket::async_test]
async fn cases_from_the_terminal() {
    let db = TestDatabase::new().await;
    let added = run(
        &db,
        &[
            "cases",
            "add",
            "--kind",
            "counterfeiting",
            "--source",
            "complaint",
            "--received-on",
            "2026-03-02",
            "--respondent-name",
            "某五金店",
            "--claimed-patent-number",
            "实用新型专利 ZL201710601862.3",
            "--json",
        ],
    );
    assert_exit(&added, 0);
    let case: serde_json::Value = serde_json::from_str(&stdout(&added)).unwrap();
    assert_eq!(case["case_number"], "知执字〔2026〕1号");
    assert_eq!(case["claimed_patent_check"]["valid"], false);
    let id = case["id"].to_string();
    // A problem is said in the reader's language, as the API says it.
    let problem = |lang: &str| {
        let shown = run(&db, &["--lang", lang, "cases", "show", &id, "--json"]);
        let shown: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
        shown["claimed_patent_check"]["problems"][0].clone()
    };
    assert_eq!(
        problem("zh-CN"),
        serde_json::json!({
            "key": "cases.claim.type_mismatch",
            "message": "标注为实用新型专利，但号码是发明专利的号码。"
        })
    );
    assert_eq!(
        problem("en")["message"],
        "Marked as “Utility model”, but the number is that of a patent of type “Invention”."
    );
    let accepted = run(
        &db,
        &[
            "cases",
            "step",
            &id,
            "--step",
            "accepted",
            "--on",
            "2026-03-05",
        ],
    );
    assert_exit(&accepted, 0);
    assert!(stdout(&accepted).contains("立案"), "{}", stdout(&accepted));
    let lone = run(
        &db,
        &[
            "cases",
            "step",
            &id,
            "--step",
            "investigation",
            "--on",
            "2026-03-06",
            "--officer",
            "路人甲",
        ],
    );
    assert_exit(&lone, 2);
    assert!(stderr(&lone).contains("第四十二条"), "{}", stderr(&lone));
    let evidence = db.dir.path().join("现场照片.jpg");
    std::fs::write(&evidence, b"\xff\xd8\xff photo").unwrap();
    let attached = run(&db, &["cases", "attach", &id, evidence.to_str().unwrap()]);
    assert_exit(&attached, 0);
    assert!(stdout(&attached).contains("现场照片.jpg"));
    let shown = run(&db, &["cases", "show", &id, "--json"]);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(shown["attachments"][0]["content_type"], "image/jpeg");
    // The card lists the attachments; 'cases fetch' saves one as it was uploaded, under its own
    // name unless told where.
    let file = shown["attachments"][0]["id"].to_string();
    let card = stdout(&run(&db, &["cases", "show", &id]));
    assert!(
        card.contains(&format!(
            "        附件：\n          {file}  现场照片.jpg  0.0 KB  "
        )),
        "{card}"
    );
    std::fs::remove_file(&evidence).unwrap();
    let fetched = run(&db, &["cases", "fetch", &id, &file]);
    assert_exit(&fetched, 0);
    assert_eq!(
        stdout(&fetched),
        "已把 现场照片.jpg（0.0 KB）保存到 现场照片.jpg。\n"
    );
    assert_eq!(std::fs::read(&evidence).unwrap(), b"\xff\xd8\xff photo");
    let elsewhere = run(&db, &["cases", "fetch", &id, &file, "-o", "取回.jpg"]);
    assert_exit(&elsewhere, 0);
    assert_eq!(
        std::fs::read(db.dir.path().join("取回.jpg")).unwrap(),
        b"\xff\xd8\xff photo"
    );
    assert_exit(&run(&db, &["cases", "fetch", &id, "999"]), 2);
    assert_exit(
        &run(
            &db,
            &["cases", "fetch", &id, &file, "-o", "no/such/folder/a.jpg"],
        ),
        2,
    );
    // The card lists the time limits as the case page does, then the steps.
    let card = stdout(&run(&db, &["cases", "show", &id]));
    for expected in [
        "        办案期限：\n          收到线索后决定是否立案  2026-03-23  已完成  完成日期：2026-03-05\n",
        "          假冒专利案件立案后作出处理决定  2026-06-03  已超期 · 超期",
        "            期限跨入2026年，其节假日尚未载入，到期日可能变化。\n",
        "        办案步骤：\n          2026-03-02  线索登记\n          2026-03-05  立案\n",
    ] {
        assert!(card.contains(expected), "{expected}\n{card}");
    }
    let english = stdout(&run(&db, &["--lang", "en", "cases", "show", &id]));
    for expected in [
        "        Time limits:\n          Decide whether to open a case after a clue  2026-03-23  Met  Met on: 2026-03-05\n",
        "          Decide a counterfeiting case after opening it  2026-06-03  Overdue · ",
        "        Steps:\n          2026-03-02  Clue received\n",
    ] {
        assert!(english.contains(expected), "{expected}\n{english}");
    }
    assert_eq!(shown["status"], "open");
    let listed = run(&db, &["cases", "list", "--deadline", "overdue"]);
    assert_exit(&listed, 0);
    let listed = stdout(&listed);
    assert!(
        listed.contains("知执字〔2026〕1号") && listed.contains("已超期"),
        "{listed}"
    );
    let unknown = run(&db, &["cases", "list", "--deadline", "late"]);
    assert_exit(&unknown, 2);
    let edited = run(
        &db,
        &["cases", "edit", &id, "--product", "电热水壶", "--json"],
    );
    assert_exit(&edited, 0);
    let edited: serde_json::Value = serde_json::from_str(&stdout(&edited)).unwrap();
    assert_eq!(
        (edited["product"].as_str(), edited["case_number"].as_str()),
        (Some("电热水壶"), Some("知执字〔2026〕1号"))
    );
    assert_exit(&run(&db, &["cases", "archive", &id]), 0);
    assert_exit(&run(&db, &["cases", "restore", &id]), 0);
}

/// The townships the database at `url` holds.
async fn townships_in(url: &str) -> usize {
    let db = ipdesk::db::connect(url).await.unwrap();
    ipdesk::settings::lists::list(&db, ipdesk::settings::ListKind::Townships, true)
        .await
        .unwrap()
        .len()
}

fn integrity_of(path: &Path) -> String {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])",
        ])
        .arg(path)
        .output()
        .expect("python3");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `ipdesk backup` while the server runs and another writer keeps writing: the copy is sound and
/// holds every row committed before it began. `ipdesk restore` refuses while the server runs and
/// over a database with records unless forced, then brings the backup back.
#[rocket::async_test]
async fn backup_while_writing_and_restore_once_the_server_has_stopped() {
    let db = TestDatabase::new().await;
    if db.is_postgres() {
        let output = run(&db, &["restore", "ipdesk.dump"]);
        assert_refused(&output, "pg_restore");
        return;
    }
    let port = free_port();
    let server = start_server(&db, port);
    let writing = db.connect().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let writer = tokio::spawn(async move {
        let mut stopped = stopped;
        let mut written = 0;
        while stopped.try_recv().is_err() {
            let name = format!("第{written}镇");
            ipdesk::settings::lists::add(
                &writing,
                &ipdesk::audit::Actor::cli(),
                ipdesk::settings::ListKind::Townships,
                &name,
            )
            .await
            .unwrap();
            written += 1;
            tokio::task::yield_now().await;
        }
        written
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = townships_in(&db.url).await;
    let backup = db.dir.path().join("backup.sqlite");
    let backup_arg = backup.display().to_string();
    let output = tokio::task::spawn_blocking({
        let dir = db.dir.path().to_owned();
        let url = db.url.clone();
        let arg = backup_arg.clone();
        move || {
            ipdesk(&dir, Some(&url), &["backup", &arg])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_exit(&output, 0);
    stop.send(()).unwrap();
    let written = writer.await.unwrap();
    assert_eq!(integrity_of(&backup), "ok");
    let backup_url = format!("sqlite://{}?mode=rw", backup.display());
    let in_backup = townships_in(&backup_url).await;
    assert!(
        before > 0 && before <= in_backup && in_backup <= written,
        "{before} committed before the backup, {in_backup} in it, {written} written"
    );

    // Not while the server runs.
    let refused = run(&db, &["restore", &backup_arg, "--force"]);
    assert_refused(&refused, "请先停止服务");
    drop(server);
    // Not over records without --force; nothing is changed.
    let refused = run(&db, &["restore", &backup_arg]);
    assert_exit(&refused, 2);
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    assert_eq!(townships_in(&db.url).await, written);
    // Not from a file that is no backup.
    let stray = db.dir.path().join("stray.sqlite");
    std::fs::write(&stray, b"not a database").unwrap();
    let refused = run(&db, &["restore", &stray.display().to_string(), "--force"]);
    assert_refused(&refused, "不是 ipdesk 的备份");
    // Forced: the database is the backup, sound, and the server starts on it.
    let restored = run(&db, &["restore", &backup_arg, "--force"]);
    assert_exit(&restored, 0);
    assert!(
        stdout(&restored).contains("已恢复"),
        "{}",
        stdout(&restored)
    );
    assert_eq!(townships_in(&db.url).await, in_backup);
    let database = ipdesk::db::sqlite_path(&db.url).unwrap();
    assert_eq!(integrity_of(&database), "ok");
    let _server = start_server(&db, port);
    let (status, _) = http_get(port, "/healthz");
    assert_eq!(status, 200);
}

/// What a raw HTTP request brought back.
pub(crate) struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP/1.1 request to the server on `port`, connection closed after it.
pub(crate) fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> Reply {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Reply {
        status: head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// The `name=value` of every cookie a reply sets, as a `Cookie` header.
pub(crate) fn cookies_of(reply: &Reply) -> String {
    reply
        .head
        .lines()
        .filter_map(|line| {
            line.strip_prefix("set-cookie: ")
                .or_else(|| line.strip_prefix("Set-Cookie: "))
        })
        .filter_map(|cookie| cookie.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// kill -9 of the server while a large import is being written (held open at a chosen row by the
/// test-only fault hook): nothing of it is left in the register, the job shows as running until
/// its heartbeat is stale and then as failed, and SQLite's integrity check is ok.
#[rocket::async_test]
async fn a_server_killed_mid_import_leaves_no_partial_rows() {
    use ipdesk::entities::{import_batch, patent};
    use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

    let db = TestDatabase::new().await;
    let conn = db.connect().await;
    let token = officer_in_a_county(&conn).await;
    let port = free_port();
    let server = start_server(&db, port);
    let browser = Browser::sign_in(port);
    // A roster whose name asks the hook to hold its commit at row 1,500.
    let roster = crate::imports::roster_of(7, 3_000);
    let id = browser.upload(port, "pause-after-1500-roster.xlsx", &roster);
    browser.commit(port, id);
    // Wait until the rows are written, transaction still open.
    browser.await_progress(port, id, |json| json["done"].as_u64().unwrap_or(0) >= 1_500);
    drop(server); // SIGKILL: no shutdown, no rollback by the server itself.

    assert_eq!(
        patent::Entity::find().count(&conn).await.unwrap(),
        0,
        "rows of the killed import remain"
    );
    let server = start_server(&db, port);
    let show = |port: u16| {
        let reply = http(
            port,
            "GET",
            &format!("/api/v1/imports/{id}"),
            &[("Authorization", format!("Bearer {token}"))],
            b"",
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        serde_json::from_str::<serde_json::Value>(&reply.body).unwrap()
    };
    // Its heartbeat is fresh: it may be running on another instance.
    assert_eq!(show(port)["state"], "running");
    // Two minutes without a heartbeat (the row aged as time would age it): failed.
    let aged = import_batch::ActiveModel {
        id: Set(id),
        heartbeat_at: Set(Some(chrono::Utc::now() - chrono::Duration::minutes(3))),
        ..Default::default()
    };
    aged.update(&conn).await.unwrap();
    let failed = show(port);
    assert_eq!(failed["state"], "failed", "{failed}");
    assert_eq!(patent::Entity::find().count(&conn).await.unwrap(), 0);
    drop(server);
    if let Some(file) = ipdesk::db::sqlite_path(&db.url) {
        assert_eq!(integrity_of(&file), "ok");
    }
}

/// An officer (password [`crate::support::PASSWORD`]) in a desk whose county is 秭归县; returns
/// an API token of theirs.
pub(crate) async fn officer_in_a_county(conn: &sea_orm::DatabaseConnection) -> String {
    let actor = ipdesk::audit::Actor::cli();
    ipdesk::auth::users::create(
        conn,
        &actor,
        ipdesk::auth::domain::NewUser {
            username: "officer".into(),
            real_name: "王五".into(),
            role: "officer".into(),
            password: crate::support::PASSWORD.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let county = ipdesk::settings::domain::JurisdictionInput {
        county: "秭归县".into(),
        ..Default::default()
    };
    ipdesk::settings::service::set_jurisdiction(conn, &actor, county)
        .await
        .unwrap();
    ipdesk::auth::tokens::create(conn, &actor, "officer", "a test")
        .await
        .unwrap()
        .token
}

/// A browser's session with a running server: its cookies and its form token.
pub(crate) struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    /// Signs in as the officer of [`officer_in_a_county`] on the server at `port`.
    pub fn sign_in(port: u16) -> Browser {
        let login = http(
            port,
            "POST",
            "/login",
            &[("Content-Type", "application/x-www-form-urlencoded".into())],
            format!(
                "username=officer&password={}",
                crate::support::urlencode(crate::support::PASSWORD)
            )
            .as_bytes(),
        );
        assert_eq!(login.status, 303, "{}", login.head);
        let cookie = cookies_of(&login);
        let csrf = Browser::form_token(port, &cookie).expect("a form token");
        Browser { cookie, csrf }
    }

    /// The form token of a page the session shows on `port`; `None` when it is not signed in there.
    pub fn form_token(port: u16, cookie: &str) -> Option<String> {
        let page = http(
            port,
            "GET",
            "/account/password",
            &[("Cookie", cookie.to_owned())],
            b"",
        );
        (page.status == 200).then(|| crate::support::csrf_in(&page.body))?
    }

    /// A JSON answer of the API on `port`, asked with the session.
    pub fn get_json(&self, port: u16, path: &str) -> serde_json::Value {
        let reply = http(port, "GET", path, &[("Cookie", self.cookie.clone())], b"");
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        serde_json::from_str(&reply.body).unwrap()
    }

    /// Sends `body` as JSON to the API on `port` with the session and its token; the status.
    pub fn post_json(&self, port: u16, path: &str, body: &serde_json::Value) -> u16 {
        let reply = http(
            port,
            "POST",
            path,
            &[
                ("Cookie", self.cookie.clone()),
                ("Content-Type", "application/json".into()),
                ("X-CSRF-Token", self.csrf.clone()),
            ],
            body.to_string().as_bytes(),
        );
        reply.status
    }

    /// Uploads a patents roster for its preview; returns the batch id.
    pub fn upload(&self, port: u16, file_name: &str, roster: &[u8]) -> i64 {
        let (content_type, body) = crate::support::multipart(
            &[("csrf_token", &self.csrf), ("register", "patents")],
            Some((file_name, roster)),
        );
        let uploaded = http(
            port,
            "POST",
            "/imports",
            &[
                ("Cookie", self.cookie.clone()),
                ("Content-Type", content_type.to_string()),
            ],
            &body,
        );
        assert_eq!(uploaded.status, 303, "{}\n{}", uploaded.head, uploaded.body);
        let location = uploaded
            .head
            .lines()
            .find_map(|l| {
                l.strip_prefix("location: ")
                    .or_else(|| l.strip_prefix("Location: "))
            })
            .unwrap()
            .to_owned();
        location.trim_start_matches("/imports/").parse().unwrap()
    }

    /// Starts the commit of a previewed batch (a job of the server at `port`).
    pub fn commit(&self, port: u16, id: i64) {
        let commit = http(
            port,
            "POST",
            &format!("/imports/{id}/commit"),
            &[
                ("Cookie", self.cookie.clone()),
                ("Content-Type", "application/x-www-form-urlencoded".into()),
            ],
            format!("csrf_token={}&policy=valid-rows", self.csrf).as_bytes(),
        );
        assert_eq!(commit.status, 303, "{}", commit.body);
    }

    /// Polls a batch's progress on `port` until `done` holds of it (a minute at most); returns it.
    pub fn await_progress(
        &self,
        port: u16,
        id: i64,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let progress = http(
                port,
                "GET",
                &format!("/imports/{id}/progress"),
                &[("Cookie", self.cookie.clone())],
                b"",
            );
            let json: serde_json::Value = serde_json::from_str(&progress.body).unwrap_or_default();
            if done(&json) {
                return json;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the import's progress never got there: {}",
                progress.body
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
