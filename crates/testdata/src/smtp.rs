//! A local SMTP sink for tests that send mail: aiosmtpd from the test venv, writing every message
//! it receives to a Maildir, killed on drop.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long [`SmtpSink::messages`] waits for the messages asked for.
pub const MAIL_WAIT: Duration = Duration::from_secs(30);

pub struct SmtpSink {
    child: Child,
    /// The port it listens on, at 127.0.0.1.
    pub port: u16,
    maildir: PathBuf,
}

impl SmtpSink {
    /// Starts aiosmtpd with `python` (the venv's), its Maildir under `dir`, and waits until it
    /// listens.
    pub fn start(python: &Path, dir: &Path) -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = dir.join("maildir");
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, port, maildir }
    }

    /// Waits (without blocking the async runtime, which may be serving the sender) for at least
    /// `count` messages and returns every message's raw text.
    pub async fn messages(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + MAIL_WAIT;
        loop {
            let found = self.received();
            if found.len() >= count {
                return found;
            }
            assert!(Instant::now() < deadline, "{} of {count} messages arrived", found.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn received(&self) -> Vec<String> {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            for entry in std::fs::read_dir(self.maildir.join(sub)).into_iter().flatten().flatten() {
                found.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        found
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first `http://` link in a raw message, quoted-printable soft breaks and `=3D` undone.
pub fn link_in(message: &str) -> Option<String> {
    let text = message.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = text.find("http://")?;
    text[start..].split_whitespace().next().map(str::to_owned)
}
