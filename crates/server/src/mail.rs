//! Mail to people: invitations and password-reset links. Through SMTP when the server is
//! given `--smtp-url smtp[s]://user:password@host:port` (STARTTLS on `smtp://`, TLS from
//! the first byte on `smtps://`; rustls), otherwise one `.eml` file per message in
//! `--mail-dir`, so a demo or a trial can read what would have been sent. Sending never
//! delays an answer: messages go out in their own task, and a failure is logged.

use lettre::message::{header::ContentType, Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where mail goes, and the address people's links point to.
#[derive(Clone)]
pub struct Mailer {
    how: Arc<How>,
    from: Mailbox,
    /// Links in messages start with this (`--public-url`), no trailing slash.
    pub public_url: String,
}

enum How {
    Smtp(AsyncSmtpTransport<Tokio1Executor>, String),
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
    /// No mail (tests that do not read it): the link is only shown to whoever made it.
    Off,
}

impl Mailer {
    /// From the flags: SMTP if `smtp_url` is given, else the folder `dir` (made if missing).
    pub fn new(
        smtp_url: Option<&str>,
        dir: &Path,
        from: &str,
        public_url: &str,
    ) -> Result<Mailer, String> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("--mail-from {from:?} is not an address: {e}"))?;
        let how = match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("--smtp-url: {e} (smtp[s]://user:password@host:port)"))?
                    .build();
                // Said without the password.
                let shown = match url.split_once('@') {
                    Some((_, host)) => host.to_string(),
                    None => url
                        .trim_start_matches("smtps://")
                        .trim_start_matches("smtp://")
                        .into(),
                };
                How::Smtp(transport, shown)
            }
            None => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot make the mail folder {}: {e}", dir.display()))?;
                How::Folder(AsyncFileTransport::new(dir), dir.to_path_buf())
            }
        };
        Ok(Mailer {
            how: Arc::new(how),
            from,
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    /// A mailer that sends nothing.
    pub fn off() -> Mailer {
        Mailer {
            how: Arc::new(How::Off),
            from: "seqhealth <seqhealth@localhost>"
                .parse()
                .expect("a valid address"),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }

    /// Where mail goes, for the start-up line.
    pub fn describe(&self) -> String {
        match &*self.how {
            How::Smtp(_, host) => format!("mail through SMTP at {host}"),
            How::Folder(_, dir) => format!(
                "no --smtp-url: mail is written as .eml files to {}",
                dir.display()
            ),
            How::Off => "mail is off".into(),
        }
    }

    /// Sends a plain-text message to `to` in the background.
    pub fn send(&self, to: &str, subject: &str, body: String) {
        let message = match to.parse::<Mailbox>().map(|to| {
            Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                // Quoted-printable where a line (a link) is long: mail programs join it.
                .body(body)
        }) {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => return tracing::warn!(error = %e, "a message could not be made"),
            Err(e) => return tracing::warn!(error = %e, "not a mail address"),
        };
        let how = self.how.clone();
        tokio::spawn(async move {
            let sent = match &*how {
                How::Smtp(t, _) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                How::Folder(t, _) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                How::Off => Ok(()),
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, "a message could not be sent");
            }
        });
    }
}
