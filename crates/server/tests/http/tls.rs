//! HTTPS with `--tls-cert`/`--tls-key`: a self-signed certificate made by the `openssl` command,
//! fetched with `curl` trusting only that certificate.

use std::process::Command;

use selat_server::{Application, ServerConfig, TlsFiles};

fn tool(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success())
        || Command::new(name).arg("version").output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_given_certificate() {
    if !tool("openssl") || !tool("curl") {
        println!("skipped: the openssl and curl commands are needed to make and check a certificate");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().join("data"));
    config.tls = Some(TlsFiles { cert: cert.clone(), key });
    let app = Application::build(config).await.unwrap();
    let base = app.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let curl = |path: &str| {
        let (cert, url) = (cert.clone(), format!("{base}{path}"));
        tokio::task::spawn_blocking(move || {
            Command::new("curl").args(["-sS", "--cacert"]).arg(cert).arg(url).output().unwrap()
        })
    };
    let health = curl("/healthz").await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&health.stdout).trim(),
        "ok",
        "{}",
        String::from_utf8_lossy(&health.stderr)
    );
    let discovery = curl("/taxii2/").await.unwrap();
    assert!(String::from_utf8_lossy(&discovery.stdout).contains("/taxii2/selat/"));
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_missing_certificate_is_a_clear_build_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().join("data"));
    config.tls = Some(TlsFiles { cert: dir.path().join("none.pem"), key: dir.path().join("none.key") });
    let error = Application::build(config).await.err().expect("no certificate, no server");
    assert!(error.to_string().contains("none.pem"), "{error}");
}
