//! A running server, reached over HTTP by `--server`.

use anyhow::{Context as _, bail};
use serde_json::Value;

/// A running server and the credential to present to it.
pub(super) struct Remote {
    pub(super) base: String,
    pub(super) token: Option<String>,
}

impl Remote {
    pub(super) fn get(&self, url: &str) -> anyhow::Result<Vec<u8>> {
        Ok(self.get_with_header(url, None)?.0)
    }

    /// The body, and the value of `header` if asked for and present.
    pub(super) fn get_with_header(
        &self,
        url: &str,
        header: Option<&str>,
    ) -> anyhow::Result<(Vec<u8>, Option<String>)> {
        let mut request = ureq::get(url).config().http_status_as_error(false).build();
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().with_context(|| format!("GET {url}"))?;
        let value = header.and_then(|h| {
            response
                .headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
        let body = response
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()?;
        check_status(url, response.status().as_u16(), &body)?;
        Ok((body, value))
    }

    pub(super) fn post(
        &self,
        url: &str,
        content_type: &str,
        body: String,
    ) -> anyhow::Result<Vec<u8>> {
        let mut request = ureq::post(url)
            .config()
            .http_status_as_error(false)
            .build()
            .header("content-type", content_type);
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let mut response = request.send(body).with_context(|| format!("POST {url}"))?;
        let body = response.body_mut().read_to_vec()?;
        check_status(url, response.status().as_u16(), &body)?;
        Ok(body)
    }
}

/// Fails with the server's own message for a status that is not 2xx.
fn check_status(url: &str, status: u16, body: &[u8]) -> anyhow::Result<()> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    bail!("{url}: {status} {message}")
}
