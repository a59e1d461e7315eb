//! Who an API call acts as: the body's `"as"` (a staff id or email) resolved through the
//! directory, checked against the caller's token. Without `"as"`, a token acts as its person.

use super::auth::{Caller, Scope};
use super::error::ApiError;
use crate::service::{Keel, ServiceError, UserError};

/// The staff id the call acts as. Someone the directory does not know (or no longer active)
/// is refused as unknown only to a caller that may act as others: to any other, asking for
/// someone else is refused for the missing `act-as`, whoever they are, so a token cannot be
/// used to find out who is on the staff.
pub async fn actor(keel: &Keel, caller: &Caller, asked: Option<&str>) -> Result<String, ApiError> {
    let Some(asked) = asked else {
        return caller.acting_as(None);
    };
    let directory = keel.directory_now().await?;
    match directory.resolve(asked).filter(|person| person.active) {
        Some(person) => caller.acting_as(Some(&person.id)),
        None => {
            caller.require(Scope::ActAs)?;
            let unknown = UserError::UnknownPerson(asked.to_string());
            Err(ApiError::Service(ServiceError::User(unknown)))
        }
    }
}
