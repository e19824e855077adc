//! `GET /healthz` for load balancers and monitoring: 200 when the database answers, 503 if not.

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{State, get};

use crate::{AppState, db};

#[get("/healthz")]
pub async fn healthz(state: &State<AppState>) -> (Status, Json<Value>) {
    if db::ping(&state.db).await {
        (Status::Ok, Json(json!({"status": "ok", "database": "ok"})))
    } else {
        (
            Status::ServiceUnavailable,
            Json(json!({"status": "unavailable", "database": "unavailable"})),
        )
    }
}
