//! Who makes a request and when: the current-user provider and the clock.
//!
//! Every write over HTTP is attributed to a user (`created_by`/`updated_by`) and stamped with a
//! time. The [`UserProvider`] resolves the user from the request; when it yields nothing, the
//! app's configured default user is used, else `"anonymous"`. The [`Clock`] gives the time;
//! by default the manager's own clock is used.
//!
//! ```
//! use specstar_runtime::http::{Clock, UserProvider};
//!
//! // take the user from a header set by an authenticating proxy
//! let users = UserProvider::header("x-user");
//! // or from any axum extractor
//! let users = UserProvider::from_extractor(|axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>| {
//!     Some(addr.ip().to_string())
//! });
//! // a fixed clock (tests)
//! let clock = Clock::fixed("2026-01-01T00:00:00Z".parse().unwrap());
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderName;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::model::Timestamp;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Resolves the user of a request (see the [module docs](self)).
pub trait ResolveUser: Send + Sync + 'static {
    /// The user of this request; `Ok(None)` falls back to the default user. An `Err` response
    /// is sent as is (e.g. a 401 from an authentication extractor).
    fn resolve<'a>(
        &'a self,
        parts: &'a mut Parts,
    ) -> BoxFuture<'a, Result<Option<String>, Response>>;
}

/// Where the HTTP layer takes the current user from. Cheap to clone.
#[derive(Clone)]
pub struct UserProvider(Arc<dyn ResolveUser>);

impl std::fmt::Debug for UserProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserProvider(..)")
    }
}

impl Default for UserProvider {
    /// Always the default user (the app's configured default user, else `"anonymous"`).
    fn default() -> Self {
        UserProvider::from_fn(|_| None)
    }
}

impl UserProvider {
    /// Use any [`ResolveUser`] implementation.
    pub fn new(resolver: impl ResolveUser) -> Self {
        UserProvider(Arc::new(resolver))
    }

    /// The value of header `name`; a missing or non-UTF-8 header falls back to the default
    /// user. This trusts the client (use it behind a proxy that authenticates and sets it).
    ///
    /// # Panics
    /// If `name` is not a valid header name (a programming error, not user input).
    pub fn header(name: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|e| panic!("UserProvider::header: invalid header name `{name}`: {e}"));
        UserProvider::from_fn(move |parts| {
            parts
                .headers
                .get(&name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        })
    }

    /// A synchronous function of the request head.
    pub fn from_fn<F>(f: F) -> Self
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        struct FromFn<F>(F);
        impl<F> ResolveUser for FromFn<F>
        where
            F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
        {
            fn resolve<'a>(
                &'a self,
                parts: &'a mut Parts,
            ) -> BoxFuture<'a, Result<Option<String>, Response>> {
                let user = (self.0)(parts);
                Box::pin(async move { Ok(user) })
            }
        }
        UserProvider::new(FromFn(f))
    }

    /// Any axum extractor (an authentication extractor, `TypedHeader`, `ConnectInfo`, …) mapped
    /// to a user name. The extractor's rejection is sent as the response.
    pub fn from_extractor<E, F>(f: F) -> Self
    where
        E: FromRequestParts<()> + Send + 'static,
        E::Rejection: IntoResponse,
        F: Fn(E) -> Option<String> + Send + Sync + 'static,
    {
        struct FromExtractor<E, F>(F, std::marker::PhantomData<fn() -> E>);
        impl<E, F> ResolveUser for FromExtractor<E, F>
        where
            E: FromRequestParts<()> + Send + 'static,
            E::Rejection: IntoResponse,
            F: Fn(E) -> Option<String> + Send + Sync + 'static,
        {
            fn resolve<'a>(
                &'a self,
                parts: &'a mut Parts,
            ) -> BoxFuture<'a, Result<Option<String>, Response>> {
                Box::pin(async move {
                    match E::from_request_parts(parts, &()).await {
                        Ok(e) => Ok((self.0)(e)),
                        Err(rejection) => Err(rejection.into_response()),
                    }
                })
            }
        }
        UserProvider::new(FromExtractor(f, std::marker::PhantomData))
    }

    /// Resolve the user of a request (`None`: use the default user).
    pub async fn resolve(&self, parts: &mut Parts) -> Result<Option<String>, Response> {
        self.0.resolve(parts).await
    }
}

/// The time source of HTTP writes. Cheap to clone.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock(..)")
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    /// The system clock, truncated to microseconds.
    pub fn system() -> Self {
        Clock(Arc::new(crate::model::now))
    }

    /// Always the same instant (tests, replays).
    pub fn fixed(at: Timestamp) -> Self {
        Clock(Arc::new(move || at))
    }

    /// Any function.
    pub fn from_fn(f: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        Clock(Arc::new(f))
    }

    /// The current time, truncated to microseconds (what the wire carries).
    pub fn now(&self) -> Timestamp {
        use chrono::SubsecRound;
        (self.0)().trunc_subsecs(6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(header: Option<&str>) -> Parts {
        let mut req = Request::builder().uri("/zone");
        if let Some(h) = header {
            req = req.header("x-user", h);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[tokio::test]
    async fn header_provider_reads_the_header_and_falls_back() {
        let p = UserProvider::header("x-user");
        assert_eq!(
            p.resolve(&mut parts(Some("alice"))).await.unwrap(),
            Some("alice".into())
        );
        assert_eq!(p.resolve(&mut parts(None)).await.unwrap(), None);
        assert_eq!(p.resolve(&mut parts(Some("  "))).await.unwrap(), None);
    }

    #[tokio::test]
    async fn extractor_provider_passes_rejections_through() {
        let p = UserProvider::from_extractor(|h: axum::http::HeaderMap| {
            h.get("x-user")
                .map(|v| format!("via-{}", v.to_str().unwrap_or("?")))
        });
        assert_eq!(
            p.resolve(&mut parts(Some("bob"))).await.unwrap(),
            Some("via-bob".into())
        );
        struct Deny;
        impl<S: Send + Sync> FromRequestParts<S> for Deny {
            type Rejection = axum::http::StatusCode;
            async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
                Err(axum::http::StatusCode::UNAUTHORIZED)
            }
        }
        let p = UserProvider::from_extractor(|_: Deny| Some("never".into()));
        let rejected = p.resolve(&mut parts(None)).await.unwrap_err();
        assert_eq!(rejected.status(), 401);
    }

    #[test]
    fn clock_truncates_to_microseconds() {
        let t: Timestamp = "2026-01-01T00:00:00.123456789Z".parse().unwrap();
        assert_eq!(
            crate::model::wire_time::format(&Clock::fixed(t).now()),
            "2026-01-01T00:00:00.123456Z"
        );
    }
}
