//! A real mail server for tests: aiosmtpd (from the test tools' venv, `RUCHE_TEST_PYTHON`) on
//! loopback, writing what it receives to a maildir. Stopped when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct MailServer {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

impl MailServer {
    /// Starts on a free port.
    pub fn start() -> MailServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        MailServer::start_on(port)
    }

    /// Starts on `port` (one the caller kept free for it).
    pub fn start_on(port: u16) -> MailServer {
        let python = std::env::var("RUCHE_TEST_PYTHON").unwrap_or_else(|_| {
            panic!(
                "RUCHE_TEST_PYTHON is not set: run the suite with scripts/test.sh (it installs aiosmtpd)"
            )
        });
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let maildir = dir.path().join("maildir");
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
            .unwrap_or_else(|e| panic!("cannot start aiosmtpd: {e}"));
        MailServer {
            child,
            port,
            maildir,
            _dir: dir,
        }
    }

    /// The URL an instance sends through (`RUCHE_MAIL_SMTP_URL`).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, whole (headers and body, as sent: see [`readable`]).
    pub fn mails(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A mail's headers and its body decoded (base64 or quoted-printable, as lettre encodes text
/// that is not ASCII), as one text.
pub fn readable(mail: &str) -> String {
    use base64::Engine;
    let mail = mail.replace("\r\n", "\n");
    let Some((head, body)) = mail.split_once("\n\n") else {
        return mail;
    };
    let lower = head.to_ascii_lowercase();
    let body = if lower.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(joined)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|_| body.to_string())
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        let soft = body.replace("=\n", "");
        let bytes = soft.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (bytes[i], hex) {
                (b'=', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        body.to_string()
    };
    format!("{head}\n\n{body}")
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
