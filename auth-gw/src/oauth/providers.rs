//! The configured sign-in providers: where their endpoints are, and who signed in.
//!
//! GitHub and Gitea are plain OAuth 2.0: the user is read from their API with the access
//! token. An OpenID Connect provider is found through its discovery document, and the
//! user is the ID token's: its signature (the provider's JWKS), issuer, audience and nonce
//! are all checked.

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::OnceCell;

use crate::config::OAuthConfig;

/// A provider the operator enabled.
pub struct Provider {
    /// `github`, `gitea` or `oidc`: in URLs, and as `oauth_accounts.provider`.
    pub id: &'static str,
    pub label: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    kind: Kind,
}

enum Kind {
    /// GitHub and Gitea: fixed endpoints, the user from a JSON API.
    Plain {
        authorize: String,
        token: String,
        user: String,
    },
    Oidc {
        issuer: String,
        discovered: OnceCell<Discovery>,
    },
}

/// What an OpenID Connect discovery document says (the parts used here).
#[derive(Clone, Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// Where to send the browser, and where to exchange the code.
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
}

/// Who signed in, as the provider tells it.
#[derive(Clone, Debug)]
pub struct ProviderUser {
    pub id: String,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Why the provider's answer is not accepted; `reason` goes to the audit log.
#[derive(Debug)]
pub struct Failure {
    pub reason: &'static str,
    pub message: String,
}

fn failure(reason: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        reason,
        message: message.into(),
    }
}

/// Every enabled provider, and the HTTP client that talks to them.
pub struct Providers {
    pub list: Vec<Provider>,
    pub http: reqwest::Client,
}

fn trimmed(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

impl Providers {
    pub fn new(config: &OAuthConfig) -> Self {
        let mut list = Vec::new();
        if let Some(client_id) = &config.github_client_id {
            let web = trimmed(&config.github_url);
            list.push(Provider {
                id: "github",
                label: "GitHub".into(),
                client_id: client_id.clone(),
                client_secret: config.github_client_secret.clone(),
                kind: Kind::Plain {
                    authorize: format!("{web}/login/oauth/authorize"),
                    token: format!("{web}/login/oauth/access_token"),
                    user: format!("{}/user", trimmed(&config.github_api_url)),
                },
            });
        }
        if let (Some(base), Some(client_id)) = (&config.gitea_url, &config.gitea_client_id) {
            let base = trimmed(base);
            list.push(Provider {
                id: "gitea",
                label: "Gitea".into(),
                client_id: client_id.clone(),
                client_secret: config.gitea_client_secret.clone(),
                kind: Kind::Plain {
                    authorize: format!("{base}/login/oauth/authorize"),
                    token: format!("{base}/login/oauth/access_token"),
                    user: format!("{base}/api/v1/user"),
                },
            });
        }
        if let (Some(issuer), Some(client_id)) = (&config.oidc_issuer, &config.oidc_client_id) {
            list.push(Provider {
                id: "oidc",
                label: config.oidc_name.clone(),
                client_id: client_id.clone(),
                client_secret: config.oidc_client_secret.clone(),
                kind: Kind::Oidc {
                    issuer: trimmed(issuer),
                    discovered: OnceCell::new(),
                },
            });
        }
        // Following redirects would hand codes and tokens to whoever a provider points
        // at (the oauth2 crate's advice).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("ajet-chat/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self { list, http }
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.id == id)
    }
}

impl Provider {
    /// Whether the flow carries a nonce checked in the ID token.
    pub fn is_oidc(&self) -> bool {
        matches!(self.kind, Kind::Oidc { .. })
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &'static [&'static str] {
        match (&self.kind, self.id) {
            (Kind::Oidc { .. }, _) => &["openid", "profile", "email"],
            (_, "github") => &["read:user", "user:email"],
            _ => &["read:user"],
        }
    }

    async fn discovery(&self, http: &reqwest::Client) -> Result<Option<&Discovery>, Failure> {
        let Kind::Oidc { issuer, discovered } = &self.kind else {
            return Ok(None);
        };
        discovered
            .get_or_try_init(|| async {
                let url = format!("{issuer}/.well-known/openid-configuration");
                let doc: Discovery = http
                    .get(&url)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|err| failure("discovery", format!("cannot read {url}: {err}")))?
                    .json()
                    .await
                    .map_err(|err| failure("discovery", format!("{url} is not valid: {err}")))?;
                if trimmed(&doc.issuer) != *issuer {
                    return Err(failure(
                        "discovery",
                        format!("{url} names the issuer {:?}", doc.issuer),
                    ));
                }
                Ok(doc)
            })
            .await
            .map(Some)
    }

    /// The authorization and token endpoints.
    pub async fn endpoints(&self, http: &reqwest::Client) -> Result<Endpoints, Failure> {
        match &self.kind {
            Kind::Plain {
                authorize, token, ..
            } => Ok(Endpoints {
                authorize: authorize.clone(),
                token: token.clone(),
            }),
            Kind::Oidc { .. } => {
                let doc = self
                    .discovery(http)
                    .await?
                    .ok_or_else(|| failure("discovery", "no discovery document"))?;
                Ok(Endpoints {
                    authorize: doc.authorization_endpoint.clone(),
                    token: doc.token_endpoint.clone(),
                })
            }
        }
    }

    /// Who signed in: from the API (GitHub, Gitea) or the verified ID token (OIDC).
    pub async fn user(
        &self,
        http: &reqwest::Client,
        access_token: &str,
        id_token: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<ProviderUser, Failure> {
        match &self.kind {
            Kind::Plain { user, .. } => plain_user(http, user, access_token).await,
            Kind::Oidc { .. } => {
                let doc = self
                    .discovery(http)
                    .await?
                    .ok_or_else(|| failure("discovery", "no discovery document"))?;
                let id_token = id_token
                    .ok_or_else(|| failure("id_token_missing", "the provider sent no ID token"))?;
                let nonce =
                    nonce.ok_or_else(|| failure("nonce_missing", "this sign-in has no nonce"))?;
                verify_id_token(http, doc, &self.client_id, id_token, nonce).await
            }
        }
    }
}

/// GitHub's `/user` and Gitea's `/api/v1/user`, which agree on these fields.
#[derive(Deserialize)]
struct ApiUser {
    id: serde_json::Value,
    login: String,
    #[serde(default, alias = "full_name")]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

async fn plain_user(
    http: &reqwest::Client,
    url: &str,
    access_token: &str,
) -> Result<ProviderUser, Failure> {
    let user: ApiUser = http
        .get(url)
        .bearer_auth(access_token)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|err| failure("user_lookup", format!("cannot read the user: {err}")))?
        .json()
        .await
        .map_err(|err| failure("user_lookup", format!("the user is not valid: {err}")))?;
    let id = match user.id {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) if !s.is_empty() => s,
        _ => return Err(failure("user_lookup", "the user has no id")),
    };
    Ok(ProviderUser {
        id,
        login: user.login,
        name: user.name.filter(|n| !n.is_empty()),
        email: user.email.filter(|e| !e.is_empty()),
    })
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

/// Checks the ID token's signature against the provider's keys, its issuer, audience,
/// expiry and nonce.
async fn verify_id_token(
    http: &reqwest::Client,
    doc: &Discovery,
    client_id: &str,
    id_token: &str,
    nonce: &str,
) -> Result<ProviderUser, Failure> {
    let bad = |m: String| failure("id_token_invalid", m);
    let header = jsonwebtoken::decode_header(id_token)
        .map_err(|err| bad(format!("the ID token is malformed: {err}")))?;
    // Only public-key signatures: an HMAC "signed" with a public value proves nothing.
    if matches!(
        header.alg,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    ) {
        return Err(bad("the ID token is not signed with a public key".into()));
    }
    let keys: JwkSet = http
        .get(&doc.jwks_uri)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|err| failure("jwks", format!("cannot read the provider's keys: {err}")))?
        .json()
        .await
        .map_err(|err| failure("jwks", format!("the provider's keys are not valid: {err}")))?;
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        None => keys.keys.first(),
    }
    .ok_or_else(|| bad("the ID token is signed with an unknown key".into()))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|err| bad(format!("unusable key: {err}")))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[doc.issuer.as_str()]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<IdClaims>(id_token, &key, &validation)
        .map_err(|err| bad(format!("the ID token is not valid: {err}")))?
        .claims;
    match &claims.nonce {
        None => return Err(failure("nonce_missing", "the ID token carries no nonce")),
        Some(n) if !crate::oauth::flow::same(n, nonce) => {
            return Err(failure(
                "nonce_mismatch",
                "the ID token's nonce is not this sign-in's",
            ));
        }
        Some(_) => {}
    }
    let login = claims
        .preferred_username
        .clone()
        .or_else(|| {
            claims
                .email
                .as_ref()
                .and_then(|e| e.split('@').next().map(str::to_owned))
        })
        .unwrap_or_else(|| claims.sub.clone());
    Ok(ProviderUser {
        id: claims.sub,
        login,
        name: claims.name,
        email: claims.email,
    })
}
