//! `jql/validate`: Jira's verdict on a query, with the line and character its messages give.

use super::{jira, ApiError};
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use jirad_protocol::jql::*;
use jsonrpsee::RpcModule;

/// Registers the family.
pub fn register_all(m: &mut RpcModule<AppState>) {
    m.request::<JqlValidate>(validate);
}

async fn validate(p: JqlValidateParams, cx: Ctx<AppState>) -> Result<JqlValidation, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let errors: Vec<JqlError> = s
        .client
        .validate_jql(&p.jql)
        .await?
        .into_iter()
        .map(|message| {
            let (line, character) = position(&message).unzip();
            JqlError {
                message,
                line,
                character,
            }
        })
        .collect();
    Ok(JqlValidation {
        valid: errors.is_empty(),
        errors,
    })
}

/// `(line L, character C)` at the end of Jira's syntax messages.
fn position(message: &str) -> Option<(u32, u32)> {
    let at = message.rfind("(line ")?;
    let rest = message[at + 6..].trim_end_matches(['.', ')']);
    let (line, character) = rest.split_once(", character ")?;
    Some((line.trim().parse().ok()?, character.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn positions_come_from_the_message() {
        assert_eq!(
            super::position("Expecting operator but got 'query'. (line 1, character 9)"),
            Some((1, 9))
        );
        assert_eq!(super::position("Field 'x' does not exist."), None);
    }
}
