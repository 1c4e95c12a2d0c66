//! `jql/autocomplete`, `jql/suggest`, `jql/validate`: params to `service/jql.rs` and back.

use super::{jira, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::jql;
use crate::service::state::AppState;
use jirad_protocol::jql::*;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<JqlAutocomplete>(autocomplete)
        .request::<JqlSuggest>(suggest)
        .request::<JqlValidate>(validate);
}

async fn autocomplete(
    p: JqlAutocompleteParams,
    cx: Ctx<AppState>,
) -> Result<JqlReference, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    jql::autocomplete(&cx.app, &s, p.fresh).await
}

async fn suggest(p: JqlSuggestParams, cx: Ctx<AppState>) -> Result<Vec<JqlSuggestion>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    jql::suggest(&cx.app, &s, p.field, p.value, p.predicate, p.fresh).await
}

async fn validate(p: JqlValidateParams, cx: Ctx<AppState>) -> Result<JqlValidation, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    jql::validate(&s, &p.jql).await
}
