//! A browser without a browser for the web UI's tests: one session cookie, no redirects
//! followed, the page's CSRF token and text read back.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

use crate::support::Server;

/// A browser without a browser: a cookie, no redirects followed.
pub struct Browser<'a> {
    pub server: &'a Server,
    pub client: reqwest::Client,
    pub cookie: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub csp: Option<String>,
    pub text: String,
}

impl Page {
    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> String {
        let start = self
            .text
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no CSRF field: {}", self.text));
        let rest = &self.text[start + 19..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The text between `before` and the next `"`.
    pub fn value_after(&self, before: &str) -> String {
        let start = self.text.find(before).unwrap_or_else(|| panic!("no {before:?} in {}", self.text));
        let rest = &self.text[start + before.len()..];
        rest[..rest.find(['"', '<']).unwrap()].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub fn new(server: &'a Server) -> Self {
        let client =
            selat_taxii::client::http_client().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { server, client, cookie: None }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let mut request = self.client.get(self.server.url(path));
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        self.read(request.send().await.expect("the server answers")).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let mut request = self
            .client
            .post(self.server.url(path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        self.read(request.send().await.expect("the server answers")).await
    }

    pub async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax"), "{text}");
            let pair = text.split(';').next().unwrap().to_owned();
            self.cookie = if pair.ends_with('=') { None } else { Some(pair) };
        }
        let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (location, csp) = (header(LOCATION.as_str()), header("content-security-policy"));
        Page { status: response.status(), location, csp, text: response.text().await.unwrap() }
    }

    /// Signs in (no second factor) and returns the landing page's location.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("username", username), ("password", password), ("next", "/search")],
        )
        .await
    }
}
