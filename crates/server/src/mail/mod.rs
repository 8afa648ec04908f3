//! Mail to people: invitations and password-reset links. Through SMTP when the server is
//! given `--smtp-url smtp[s]://user:password@host:port` (STARTTLS, required, on `smtp://`;
//! TLS from the first byte on `smtps://`; rustls; `?tls=none` only to a server on this
//! machine), otherwise one `.eml` file per message in
//! `--mail-dir`, so a demo or a trial can read what would have been sent. Sending never
//! delays an answer: messages go out in their own task, and a failure is logged.
//! What a message says is in [`letters`].

pub mod letters;
pub mod notices;

pub use letters::Letter;
use lettre::message::{Mailbox, Message, MultiPart};
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
                let transport =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(&transport_url(url)?)
                        .map_err(|e| {
                            format!("--smtp-url: {e} (smtp[s]://user:password@host:port)")
                        })?
                        .build();
                How::Smtp(transport, shown_url(url))
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
            // Unknown: whatever shows an address (the enrollment command) uses the page's.
            public_url: String::new(),
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

    /// Sends `letter` to `to` in the background, as plain text and HTML (mail programs
    /// show the one they prefer).
    pub fn send(&self, to: &str, letter: Letter) {
        let message = match to.parse::<Mailbox>().map(|to| {
            Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(&letter.subject)
                .multipart(MultiPart::alternative_plain_html(
                    letter.text(),
                    letter.html(),
                ))
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

/// Why a message did not go: worth trying again later, or not.
#[derive(Debug, Clone, PartialEq)]
pub enum Failed {
    Retry(String),
    Refused(String),
}

impl Mailer {
    /// Sends `notice` to `to` now, as plain text and HTML, and says how it went: the
    /// notification outbox retries what failed for a reason that may pass (a mail
    /// server down), and gives up on what the server refuses for good.
    pub async fn deliver(&self, to: &str, notice: &notices::Notice) -> Result<(), Failed> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| Failed::Refused(format!("not a mail address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&notice.subject)
            .multipart(MultiPart::alternative_plain_html(
                notice.text(),
                notice.html(),
            ))
            .map_err(|e| Failed::Refused(format!("the message could not be made: {e}")))?;
        match &*self.how {
            How::Smtp(t, host) => t.send(message).await.map(|_| ()).map_err(|e| {
                let said = format!("SMTP server {host}: {e}");
                match e.is_permanent() {
                    true => Failed::Refused(said),
                    false => Failed::Retry(said),
                }
            }),
            How::Folder(t, _) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| Failed::Retry(e.to_string())),
            How::Off => Ok(()),
        }
    }
}

/// The URL lettre is given: `smtp://` made STARTTLS-required (lettre's own default is
/// plain text, which would send the password in clear), `?tls=none` allowed only to a
/// loopback host (a relay on the same machine), and opportunistic TLS refused (anyone on
/// the path could strip it).
fn transport_url(url: &str) -> Result<String, String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut tls = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("tls=") {
            Some(v) => tls = Some(v),
            None => rest.push(pair),
        }
    }
    let with = |extra: Option<&str>| {
        let mut q = rest.clone();
        q.extend(extra);
        match q.is_empty() {
            true => base.to_string(),
            false => format!("{base}?{}", q.join("&")),
        }
    };
    let after = base.split_once("://").map(|(_, a)| a).unwrap_or("");
    let authority = after.split('/').next().unwrap_or("");
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match (base.split("://").next().unwrap_or(""), tls) {
        ("smtps", None) => Ok(with(None)),
        ("smtp", None | Some("required")) => Ok(with(Some("tls=required"))),
        ("smtp", Some("none")) if loopback => Ok(with(None)),
        ("smtp", Some("none")) => Err(format!(
            "--smtp-url: tls=none would send mail and the password in clear to {host}; \
             it is only for a server on this machine (localhost)"
        )),
        (_, Some(other)) => Err(format!(
            "--smtp-url: tls={other} is not offered: use smtp:// (STARTTLS, required) or smtps://"
        )),
        (scheme, None) => Err(format!(
            "--smtp-url: {scheme:?} is not smtp:// or smtps:// (smtp[s]://user:password@host:port)"
        )),
    }
}

/// `url` as logs may show it: the credentials masked. They run up to the authority's
/// LAST `@` (as lettre reads them), since a username is often an email address.
fn shown_url(url: &str) -> String {
    let (scheme, after) = url.split_once("://").unwrap_or(("", url));
    let end = after.find(['/', '?']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{rest}"),
        None => format!("{scheme}://{authority}{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{shown_url, transport_url};

    #[test]
    fn the_shown_url_masks_credentials_up_to_the_last_at() {
        assert_eq!(
            shown_url("smtp://ops@lab.org:secret@mail.example.org:587"),
            "smtp://***@mail.example.org:587"
        );
        assert_eq!(
            shown_url("smtps://u:p@ss@mail.example.org?tls=required"),
            "smtps://***@mail.example.org?tls=required"
        );
        assert_eq!(
            shown_url("smtp://mail.example.org:25"),
            "smtp://mail.example.org:25"
        );
        assert!(!shown_url("smtp://a@b:pw@c@h:1").contains("pw"));
    }

    #[test]
    fn smtp_urls_always_encrypt_except_to_this_machine() {
        let ok = |u: &str| transport_url(u).unwrap();
        assert_eq!(
            ok("smtp://u:p@mail.example.org:587"),
            "smtp://u:p@mail.example.org:587?tls=required"
        );
        assert_eq!(
            ok("smtp://mail.example.org?tls=required"),
            "smtp://mail.example.org?tls=required"
        );
        assert_eq!(
            ok("smtps://u:p@mail.example.org"),
            "smtps://u:p@mail.example.org"
        );
        assert_eq!(
            ok("smtp://u:p@127.0.0.1:2525?tls=none"),
            "smtp://u:p@127.0.0.1:2525"
        );
        assert_eq!(
            ok("smtp://localhost:25/seq.example.org?tls=none"),
            "smtp://localhost:25/seq.example.org"
        );
        assert_eq!(ok("smtp://[::1]:25?tls=none"), "smtp://[::1]:25");
        let refused = |u: &str| transport_url(u).unwrap_err();
        assert!(refused("smtp://u:p@mail.example.org?tls=none")
            .contains("in clear to mail.example.org"));
        assert!(refused("smtp://u:p@127.0.0.1.example.org?tls=none").contains("in clear"));
        assert!(refused("smtp://mail.example.org?tls=opportunistic").contains("not offered"));
        assert!(refused("http://mail.example.org").contains("not smtp://"));
    }
}
