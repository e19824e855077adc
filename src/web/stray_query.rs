//! An API address that takes no query is not asked one: `GET /api/v1/imports?register=patents`
//! listed every import as if it were the patent imports, and `POST /api/v1/imports?dry_run=true`
//! committed the file it was meant only to preview. Addresses that take a query read it with
//! [`super::given::Known`], which refuses the names they do not take; [`refusing`] wraps the
//! handler of every API route that takes none, so that its query is refused before it runs.
//!
//! Rocket routes a request past any query its route does not name, and no guard runs for every
//! route, hence the wrapper around the handler rather than a guard in each route.

use rocket::route::{self, Handler, Route};
use rocket::{Data, Request};

use crate::error::{AppError, FieldErrors};
use crate::i18n::Msg;

/// The API's routes, those that take no query refusing one.
pub fn refusing(routes: Vec<Route>) -> Vec<Route> {
    routes
        .into_iter()
        .map(|mut route| {
            if route.uri.query().is_none() {
                route.handler = Box::new(Refusing(route.handler));
            }
            route
        })
        .collect()
}

/// A route's handler, run only when the request has no query.
#[derive(Clone)]
struct Refusing(Box<dyn Handler>);

#[rocket::async_trait]
impl Handler for Refusing {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        // Who is not signed in is told that first, by the route itself, as without a query.
        if let Some(refusal) = stray(request)
            && crate::auth::guards::signed_in(request).await.is_some()
        {
            return route::Outcome::from(request, refusal);
        }
        self.0.handle(request, data).await
    }
}

/// The refusal of each parameter of a query given to a route that takes none.
fn stray(request: &Request<'_>) -> Option<AppError> {
    let mut fields = FieldErrors::new();
    for field in request.query_fields() {
        let name = field.name.source().as_str();
        fields.add(
            name,
            Msg::new("errors.query.unknown_field").arg("field", name),
        );
    }
    (!fields.is_empty()).then_some(AppError::Validation(fields))
}
