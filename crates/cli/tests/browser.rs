//! The web UI in Debian's Chromium, headless, driven over WebDriver (fantoccini and Debian's
//! chromedriver) against a real `selat serve --demo`. Each test saves screenshots under
//! `target/browser-artifacts/` (or `SELAT_ARTIFACTS_DIR`). Without chromium and chromedriver the
//! tests say in one line that they skip; `SELAT_REQUIRE_BROWSER=1` makes that a failure.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The demo's TLP:RED indicator of SG (`crates/core/src/demo/intel.json`).
const SG_RED_VALUE: &str = "192.0.2.77";
const INTEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/src/demo/intel.json");

/// A `selat serve --demo` on a free port, killed on drop.
struct Demo {
    child: Child,
    base: String,
    credentials: Value,
    _dir: tempfile::TempDir,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Demo {
    fn start(extra: &[&str]) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let mut child = support::selat()
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data"])
            .arg(dir.path())
            .args(extra)
            .env_remove("SELAT_LISTEN")
            .env_remove("SELAT_DATABASE")
            .env("SELAT_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("selat serve --demo starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut base = None;
        let mut line = String::new();
        while base.is_none() {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "selat serve ended before printing its URL");
            base = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(|w| w.trim_end_matches('/').to_owned());
        }
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let credentials_path = dir.path().join("demo-credentials.json");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !credentials_path.exists() {
            assert!(Instant::now() < deadline, "no demo credentials");
            std::thread::sleep(Duration::from_millis(50));
        }
        let credentials = serde_json::from_slice(&std::fs::read(&credentials_path).unwrap()).unwrap();
        Demo { child, base: base.unwrap(), credentials, _dir: dir }
    }

    /// The analyst login of organisation `org`.
    fn analyst(&self, org: &str) -> (String, String) {
        let entry = self.credentials["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["org"] == org)
            .unwrap_or_else(|| panic!("no demo organisation {org}"));
        (entry["username"].as_str().unwrap().to_owned(), entry["password"].as_str().unwrap().to_owned())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver, or `None` (after saying so) when Chromium is not installed.
fn driver(test: &str) -> Option<Driver> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var("SELAT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "SELAT_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        println!(
            "skipping {test}: {CHROMIUM} and {CHROMEDRIVER} are not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver does not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver { child, url: format!("http://127.0.0.1:{port}") })
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({"binary": CHROMIUM, "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--window-size=1280,1600"]}),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

fn artifacts() -> PathBuf {
    let dir = std::env::var_os("SELAT_ARTIFACTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("../browser-artifacts"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves the page as `NAME.png` among the artifacts.
async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    let path = artifacts().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    println!("screenshot: {}", path.display());
}

async fn sign_in(client: &Client, demo: &Demo, org: &str) {
    let (username, password) = demo.analyst(org);
    client.goto(&demo.url("/login")).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys(&username).await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(&password).await.unwrap();
    client.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    let who = client.wait().for_element(Locator::Id("who")).await.expect("signed in");
    assert_eq!(who.text().await.unwrap(), username);
}

async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

/// A figure of the dashboard (read from the DOM: it may sit in a closed `<details>`).
async fn dashboard_count(client: &Client, demo: &Demo, id: &str) -> u64 {
    client.goto(&demo.url("/")).await.unwrap();
    let cell = client.wait().for_element(Locator::Id(id)).await.unwrap_or_else(|e| panic!("{id}: {e}"));
    let text = cell.prop("textContent").await.unwrap().unwrap_or_default();
    text.trim().parse().unwrap_or_else(|_| panic!("{id}: {text:?}"))
}

/// The id of the demo's object named `name`.
fn demo_id(name: &str) -> String {
    let bundle: Value = serde_json::from_slice(&std::fs::read(INTEL).unwrap()).unwrap();
    bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .and_then(|o| o["id"].as_str())
        .unwrap_or_else(|| panic!("no demo object {name:?}"))
        .to_owned()
}

#[tokio::test]
async fn an_analyst_signs_in_searches_an_indicator_and_opens_it() {
    let Some(driver) = driver("an_analyst_signs_in_searches_an_indicator_and_opens_it") else { return };
    let demo = Demo::start(&[]);
    let client = browser(&driver).await;
    sign_in(&client, &demo, "SG").await;
    let header = text(&client, "header .who").await;
    assert!(header.contains("(SG)") && header.contains("analyst"), "{header}");
    // Signed in, the dashboard: its charts and tables.
    assert_eq!(text(&client, "main h1").await.split_whitespace().next(), Some("Regional"));
    let charts = client.find_all(Locator::Css("main svg[role=img]")).await.unwrap();
    assert!(charts.len() >= 8, "the dashboard draws its charts: {}", charts.len());
    for chart in [
        "Objects shared per member state",
        "Objects shared per week",
        "Sightings per week",
        "Incidents by severity and status",
        "Member state × norm, latest status",
        "Contacts verified in the last 90 days",
    ] {
        client
            .find(Locator::Css(&format!("svg[aria-label='{chart}']")))
            .await
            .unwrap_or_else(|e| panic!("{chart}: {e}"));
    }
    for table in ["#incidents-matrix", "#norms-matrix", "#capacity-matrix"] {
        client.find(Locator::Css(table)).await.unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    screenshot(&client, "sg-dashboard").await;

    let search = client.find(Locator::Css("header input[type=search][name=q]")).await.unwrap();
    search.send_keys("pengesahan-akaun.example").await.unwrap();
    search.send_keys("\u{E007}").await.unwrap();
    let hit = client
        .wait()
        .for_element(Locator::LinkText("Lantern Tide landing domain (Malaysia wave)"))
        .await
        .expect("the demo indicator among the results");
    screenshot(&client, "sg-search").await;
    hit.click().await.unwrap();
    let heading = client.wait().for_element(Locator::Css("main h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), "Lantern Tide landing domain (Malaysia wave)");
    assert_eq!(text(&client, "main .tlp").await, "TLP:CLEAR");
    assert!(client.find(Locator::Css("#rel-h + svg, section svg[role=img]")).await.is_ok(), "the graph");
    screenshot(&client, "sg-object").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn an_analyst_posts_a_tlp_amber_indicator() {
    let Some(driver) = driver("an_analyst_posts_a_tlp_amber_indicator") else { return };
    let demo = Demo::start(&[]);
    let client = browser(&driver).await;
    sign_in(&client, &demo, "SG").await;
    client.goto(&demo.url("/indicators/new")).await.unwrap();
    client.find(Locator::Id("name")).await.unwrap().send_keys("Browser-posted lure host").await.unwrap();
    client
        .find(Locator::Id("pattern"))
        .await
        .unwrap()
        .send_keys("[domain-name:value = 'browser-lure.example']")
        .await
        .unwrap();
    client.find(Locator::Css("input[name=tlp][value=amber]")).await.unwrap().click().await.unwrap();
    client.find(Locator::Css("input[name=scope][value=community]")).await.unwrap().click().await.unwrap();
    screenshot(&client, "sg-post-form").await;
    client.find(Locator::Id("post-submit")).await.unwrap().click().await.unwrap();
    let heading = client.wait().for_element(Locator::Css("main h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), "Browser-posted lure host");
    assert_eq!(text(&client, "main .tlp").await, "TLP:AMBER");
    screenshot(&client, "sg-posted").await;
    let id = text(&client, "#object-id").await;

    // MY, a community member, finds it through its value (a second browser session).
    let my = browser(&driver).await;
    sign_in(&my, &demo, "MY").await;
    my.goto(&demo.url("/search?q=browser-lure.example")).await.unwrap();
    my.wait().for_element(Locator::Css(&format!("a[href='/objects/{id}']"))).await.expect("MY sees AMBER");
    my.close().await.unwrap();
    client.close().await.unwrap();
}

#[tokio::test]
async fn another_state_finds_no_trace_of_an_sg_red_object() {
    let Some(driver) = driver("another_state_finds_no_trace_of_an_sg_red_object") else { return };
    let demo = Demo::start(&[]);
    let red = demo_id("LanternKit operator panel");

    let sg = browser(&driver).await;
    sign_in(&sg, &demo, "SG").await;
    sg.goto(&demo.url(&format!("/search?q={SG_RED_VALUE}"))).await.unwrap();
    sg.wait().for_element(Locator::Css(&format!("a[href='/objects/{red}']"))).await.expect("SG sees its RED");
    let sg_counts = dashboard_count(&sg, &demo, "shared-SG").await;
    sg.close().await.unwrap();

    // Indonesia is not among the named recipients (MY and TH are).
    let id_analyst = browser(&driver).await;
    sign_in(&id_analyst, &demo, "ID").await;
    id_analyst.goto(&demo.url(&format!("/search?q={SG_RED_VALUE}"))).await.unwrap();
    id_analyst.wait().for_element(Locator::Id("no-results")).await.expect("nothing for ID");
    assert!(!id_analyst.source().await.unwrap().contains(&red));
    screenshot(&id_analyst, "id-search-red").await;
    id_analyst.goto(&demo.url(&format!("/objects/{red}"))).await.unwrap();
    let heading = text(&id_analyst, "main h1").await;
    assert!(heading.starts_with("404"), "{heading}");
    screenshot(&id_analyst, "id-red-404").await;
    id_analyst.goto(&demo.url("/search?type=indicator&creator=SG")).await.unwrap();
    let listing = id_analyst.source().await.unwrap();
    assert!(!listing.contains(&red) && !listing.contains("operator panel"), "not in a listing");
    // The dashboard counts SG's objects for SG with its RED indicator, for ID without.
    let id_counts = dashboard_count(&id_analyst, &demo, "shared-SG").await;
    assert!(id_counts < sg_counts, "SG's objects: {sg_counts} seen by SG, {id_counts} by ID");
    screenshot(&id_analyst, "id-dashboard").await;
    id_analyst.close().await.unwrap();
}

impl Demo {
    /// The API token of organisation `org`'s analyst.
    fn token(&self, org: &str) -> String {
        let entry = self.credentials["orgs"].as_array().unwrap().iter().find(|o| o["org"] == org).unwrap();
        entry["token"].as_str().unwrap().to_owned()
    }

    /// A REST POST as `org`'s analyst; the JSON answer.
    async fn post(&self, org: &str, path: &str, body: Value) -> Value {
        let client = selat_taxii::client::http_client().build().unwrap();
        let response =
            client.post(self.url(path)).bearer_auth(self.token(org)).json(&body).send().await.unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }
}

#[tokio::test]
async fn an_incident_moves_through_two_states() {
    let Some(driver) = driver("an_incident_moves_through_two_states") else { return };
    let demo = Demo::start(&[]);
    let incident = demo
        .post(
            "SG",
            "/api/v1/incidents",
            json!({"name": "Browser-driven phishing wave", "description": "Lures against bank customers",
                "severity": "high", "incident_class": "fraud", "affected_states": ["SG"],
                "affected_sectors": ["banking and finance"], "tlp": "amber", "pap": "amber", "share_with": "region"}),
        )
        .await;
    let id = incident["id"].as_str().unwrap();
    let client = browser(&driver).await;
    sign_in(&client, &demo, "SG").await;
    client.goto(&demo.url("/incidents")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css(&format!("a[href='/incidents/{id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut status =
        client.wait().for_element(Locator::Id("incident-status")).await.unwrap().text().await.unwrap();
    assert_eq!(status, "reported");
    screenshot(&client, "sg-incident-reported").await;
    for step in 1..=2 {
        let select =
            client.find(Locator::Id("transition-to")).await.expect("a transition the analyst may take");
        let to = select
            .find(Locator::Css("option:not([value=''])"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
        select.select_by_value(&to).await.unwrap();
        client.find(Locator::Id("transition-submit")).await.unwrap().click().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while status != to {
            assert!(Instant::now() < deadline, "step {step}: still {status}, expected {to}");
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let Ok(element) = client.find(Locator::Id("incident-status")).await {
                status = element.text().await.unwrap_or_default();
            }
        }
        screenshot(&client, &format!("sg-incident-step-{step}")).await;
    }
    let timeline = client.source().await.unwrap();
    assert!(timeline.contains(&status), "the timeline shows the moves");
    client.close().await.unwrap();
}

/// The link of the first message that carries one to a contact-check page.
async fn ack_link(sink: &selat_testdata::smtp::SmtpSink) -> String {
    let deadline = Instant::now() + selat_testdata::smtp::MAIL_WAIT;
    loop {
        let messages = sink.messages(1).await;
        if let Some(link) =
            messages.iter().filter_map(|m| selat_testdata::smtp::link_in(m)).find(|l| l.contains("/ack/"))
        {
            return link;
        }
        assert!(Instant::now() < deadline, "no contact-check e-mail arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_contact_answers_a_check_through_its_link() {
    let Some(driver) = driver("a_contact_answers_a_check_through_its_link") else { return };
    let Some(python) = selat_testdata::python("a_contact_answers_a_check_through_its_link") else { return };
    let mail = tempfile::tempdir().unwrap();
    let sink = selat_testdata::smtp::SmtpSink::start(&python, mail.path());
    let demo = Demo::start(&["--smtp-url", &format!("smtp://127.0.0.1:{}", sink.port)]);
    let campaign = demo
        .post(
            "ASEAN",
            "/api/v1/contact-checks",
            json!({"name": "Browser check", "member_states": ["SG"], "valid_days": 7}),
        )
        .await;
    assert!(campaign["sent"].as_u64().unwrap() >= 1, "{campaign}");
    let link = ack_link(&sink).await;
    assert!(link.starts_with(&demo.base), "{link}");
    assert!(!link.contains("/api/"), "the mailed link opens the web page: {link}");

    // The contact is not a Selat user: no sign-in.
    let client = browser(&driver).await;
    client.goto(&link).await.unwrap();
    screenshot(&client, "contact-check-page").await;
    client.find(Locator::Id("ack-submit")).await.expect("the confirm button").click().await.unwrap();
    let result = client.wait().for_element(Locator::Id("ack-result")).await.unwrap().text().await.unwrap();
    assert!(
        result.to_lowercase().contains("thank") || result.to_lowercase().contains("confirmed"),
        "{result}"
    );
    screenshot(&client, "contact-check-answered").await;
    // Opened again, the page says it was answered and offers no second answer.
    client.goto(&link).await.unwrap();
    let again = client.wait().for_element(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(again.contains("was answered at"), "single use: {again}");
    assert!(client.find(Locator::Id("ack-submit")).await.is_err(), "no button on an answered check");
    client.close().await.unwrap();
}
