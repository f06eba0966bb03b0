//! The authorisation matrix: every route × every kind of credential → the expected
//! status, through the gateway in front of the real api.
//!
//! Credentials: none, a person's session (an admin and a plain member), an expired and a
//! revoked session, a webhook token used as a bearer token, an API token with each single
//! scope, and a token with every scope restricted to another channel.

#![expect(
    clippy::unwrap_used,
    reason = "the harness fails a test loudly on setup errors"
)]

mod harness;

use ajet_core::dto::Scope;
use ajet_db::PgPool;
use harness::{TestGateway, http};
use serde_json::{Value, json};

/// A route and what it takes.
struct Route {
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// The scope an API token needs.
    scope: Option<Scope>,
    /// Bound to #general: a token restricted to other channels gets 404.
    channel: bool,
    /// Owners and admins only (bots are plain members: 403 whatever their scopes).
    manager: bool,
    /// A person's session only (sessions, the account).
    session_only: bool,
    ok: u16,
}

#[derive(Debug)]
enum Cred {
    Anonymous,
    Admin(String),
    Member(String),
    Expired(String),
    Revoked(String),
    Webhook(String),
    Token {
        name: String,
        token: String,
        scopes: Vec<Scope>,
        restricted: bool,
    },
}

impl Cred {
    fn label(&self) -> String {
        match self {
            Self::Anonymous => "anonymous".into(),
            Self::Admin(_) => "admin session".into(),
            Self::Member(_) => "member session".into(),
            Self::Expired(_) => "expired session".into(),
            Self::Revoked(_) => "revoked session".into(),
            Self::Webhook(_) => "webhook token".into(),
            Self::Token { name, .. } => format!("token {name}"),
        }
    }

    fn bearer(&self) -> Option<&str> {
        match self {
            Self::Anonymous => None,
            Self::Admin(t) | Self::Member(t) | Self::Expired(t) | Self::Revoked(t) => Some(t),
            Self::Webhook(t) => Some(t),
            Self::Token { token, .. } => Some(token),
        }
    }

    fn expected(&self, route: &Route) -> u16 {
        match self {
            Self::Anonymous | Self::Expired(_) | Self::Revoked(_) | Self::Webhook(_) => 401,
            Self::Admin(_) => route.ok,
            Self::Member(_) if route.manager => 403,
            Self::Member(_) => route.ok,
            Self::Token {
                scopes, restricted, ..
            } => {
                let lacks_scope = route.scope.is_some_and(|s| !scopes.contains(&s));
                if route.session_only || route.manager || lacks_scope {
                    403
                } else if *restricted && route.channel {
                    404
                } else {
                    route.ok
                }
            }
        }
    }
}

fn route(method: &'static str, path: String, scope: Option<Scope>, ok: u16) -> Route {
    Route {
        method,
        path,
        body: None,
        scope,
        channel: false,
        manager: false,
        session_only: false,
        ok,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_route_answers_every_credential_as_it_should(pool: PgPool) {
    let gw = TestGateway::start(pool.clone(), &[]).await;
    let (admin, _) = gw.person("ada", true).await;
    let (member, _) = gw.person("mel", false).await;
    let (expired, expired_id) = gw.person("old", false).await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1")
        .bind(expired_id.as_uuid())
        .execute(&pool)
        .await
        .unwrap();
    let (revoked, revoked_id) = gw.person("gone", false).await;
    sqlx::query("UPDATE sessions SET revoked_at = now() WHERE user_id = $1")
        .bind(revoked_id.as_uuid())
        .execute(&pool)
        .await
        .unwrap();
    let ops = {
        let mut conn = pool.acquire().await.unwrap();
        ajet_db::channels::insert_text(
            &mut conn,
            gw.community.id,
            "ops",
            ajet_core::dto::Visibility::Public,
            None,
        )
        .await
        .unwrap()
    };
    let webhook: Value = http()
        .post(gw.url(&format!("/api/communities/{}/webhooks", gw.community.id)))
        .bearer_auth(&admin)
        .json(&json!({ "channel_id": gw.general, "name": "hook" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let mut creds = vec![
        Cred::Anonymous,
        Cred::Admin(admin.clone()),
        Cred::Member(member),
        Cred::Expired(expired),
        Cred::Revoked(revoked),
        Cred::Webhook(webhook["token"].as_str().unwrap().to_owned()),
    ];
    for scope in Scope::ALL {
        let created = gw.bot_token(&admin, json!([scope])).await;
        creds.push(Cred::Token {
            name: scope.as_str().to_owned(),
            token: created["token"].as_str().unwrap().to_owned(),
            scopes: vec![scope],
            restricted: false,
        });
    }
    let created = gw
        .bot_token_for(&admin, json!(Scope::ALL), Some(json!([ops])))
        .await;
    creds.push(Cred::Token {
        name: "all scopes, #ops only".into(),
        token: created["token"].as_str().unwrap().to_owned(),
        scopes: Scope::ALL.to_vec(),
        restricted: true,
    });

    let (c, g) = (gw.community.id, gw.general);
    let mut routes = vec![
        route("GET", "/api/me".into(), None, 200),
        route(
            "GET",
            "/api/communities".into(),
            Some(Scope::ChannelsRead),
            200,
        ),
        route(
            "GET",
            format!("/api/communities/{c}"),
            Some(Scope::ChannelsRead),
            200,
        ),
        route(
            "GET",
            format!("/api/communities/{c}/members"),
            Some(Scope::ChannelsRead),
            200,
        ),
        route(
            "GET",
            "/api/channels".into(),
            Some(Scope::ChannelsRead),
            200,
        ),
        Route {
            channel: true,
            ..route(
                "GET",
                format!("/api/channels/{g}"),
                Some(Scope::ChannelsRead),
                200,
            )
        },
        Route {
            channel: true,
            ..route(
                "GET",
                format!("/api/channels/{g}/members"),
                Some(Scope::ChannelsRead),
                200,
            )
        },
        Route {
            channel: true,
            ..route(
                "GET",
                format!("/api/channels/{g}/messages"),
                Some(Scope::MessagesRead),
                200,
            )
        },
        Route {
            channel: true,
            body: Some(json!({ "body": "matrix" })),
            ..route(
                "POST",
                format!("/api/channels/{g}/messages"),
                Some(Scope::MessagesWrite),
                201,
            )
        },
        route(
            "GET",
            "/api/notifications".into(),
            Some(Scope::MessagesRead),
            200,
        ),
        route(
            "GET",
            "/api/notifications/count".into(),
            Some(Scope::MessagesRead),
            200,
        ),
        Route {
            session_only: true,
            ..route("GET", "/api/sessions".into(), None, 200)
        },
        Route {
            manager: true,
            ..route(
                "GET",
                format!("/api/communities/{c}/bots"),
                Some(Scope::Admin),
                200,
            )
        },
        Route {
            manager: true,
            body: Some(json!({})),
            ..route(
                "POST",
                format!("/api/communities/{c}/invites"),
                Some(Scope::Admin),
                201,
            )
        },
        Route {
            manager: true,
            ..route(
                "GET",
                format!("/api/communities/{c}/invites"),
                Some(Scope::Admin),
                200,
            )
        },
        Route {
            manager: true,
            ..route(
                "GET",
                format!("/api/communities/{c}/audit"),
                Some(Scope::Admin),
                200,
            )
        },
        Route {
            manager: true,
            ..route(
                "GET",
                format!("/api/communities/{c}/webhooks"),
                Some(Scope::Admin),
                200,
            )
        },
    ];
    // The chat domain's routes, on a message of #general.
    let message: Value = http()
        .post(gw.url(&format!("/api/channels/{g}/messages")))
        .bearer_auth(&admin)
        .json(&json!({ "body": "react to me" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let m = message["id"].as_str().unwrap().to_owned();
    let on_general = |r: Route| Route { channel: true, ..r };
    routes.extend([
        on_general(route(
            "GET",
            format!("/api/messages/{m}"),
            Some(Scope::MessagesRead),
            200,
        )),
        on_general(route(
            "GET",
            format!("/api/messages/{m}/replies"),
            Some(Scope::MessagesRead),
            200,
        )),
        on_general(route(
            "PUT",
            format!("/api/messages/{m}/reactions/👍"),
            Some(Scope::MessagesWrite),
            200,
        )),
        on_general(route(
            "DELETE",
            format!("/api/messages/{m}/reactions/👍"),
            Some(Scope::MessagesWrite),
            200,
        )),
        on_general(Route {
            body: Some(json!({ "topic": "matrix" })),
            ..route(
                "PATCH",
                format!("/api/channels/{g}"),
                Some(Scope::ChannelsWrite),
                200,
            )
        }),
        on_general(route(
            "POST",
            format!("/api/channels/{g}/join"),
            Some(Scope::ChannelsWrite),
            204,
        )),
        on_general(route(
            "POST",
            format!("/api/channels/{g}/read"),
            Some(Scope::MessagesRead),
            200,
        )),
        route(
            "GET",
            "/api/search?q=react".into(),
            Some(Scope::MessagesRead),
            200,
        ),
        Route {
            body: Some(json!({ "all": true })),
            ..route(
                "POST",
                "/api/notifications/read".into(),
                Some(Scope::MessagesRead),
                200,
            )
        },
        route("POST", "/api/heartbeat".into(), None, 204),
        route(
            "GET",
            "/api/me/contacts".into(),
            Some(Scope::ChannelsRead),
            200,
        ),
        route(
            "GET",
            format!(
                "/api/presence?user_ids={}",
                message["author_id"].as_str().unwrap()
            ),
            Some(Scope::ChannelsRead),
            200,
        ),
        Route {
            manager: true,
            body: Some(json!({ "name": "Matrix Org" })),
            ..route(
                "PATCH",
                format!("/api/communities/{c}"),
                Some(Scope::Admin),
                200,
            )
        },
    ]);
    // Creating bots, channels and communities needs a fresh name each time.
    let bots = format!("/api/communities/{c}/bots");
    let mut failures = Vec::new();
    for cred in &creds {
        let mut per_cred = Vec::new();
        let fresh = format!(
            "matrix-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        per_cred.push(Route {
            manager: true,
            body: Some(json!({ "name": fresh })),
            ..route("POST", bots.clone(), Some(Scope::Admin), 201)
        });
        per_cred.push(Route {
            body: Some(json!({ "name": fresh })),
            ..route(
                "POST",
                format!("/api/communities/{c}/channels"),
                Some(Scope::ChannelsWrite),
                201,
            )
        });
        per_cred.push(Route {
            body: Some(json!({ "name": fresh })),
            ..route("POST", "/api/communities".into(), Some(Scope::Admin), 201)
        });
        for r in routes.iter().chain(&per_cred) {
            let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
            let mut req = http().request(method, gw.url(&r.path));
            if let Some(token) = cred.bearer() {
                req = req.bearer_auth(token);
            }
            if let Some(body) = &r.body {
                req = req.json(body);
            }
            let status = req.send().await.unwrap().status().as_u16();
            let expected = cred.expected(r);
            if status != expected {
                failures.push(format!(
                    "{} {} as {}: {status}, expected {expected}",
                    r.method,
                    r.path,
                    cred.label()
                ));
            }
        }
        routes.pop();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
