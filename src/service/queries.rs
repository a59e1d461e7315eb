//! Reading requests: one with its history, the queue waiting for a person, filtered lists.

use super::{Keel, ServiceError, UserError};
use crate::domain::{Choice, Event, Person, Request};
use crate::store::RequestFilter;

impl Keel {
    /// A request and its audit events, oldest first.
    pub async fn request_with_history(
        &self,
        id: &str,
    ) -> Result<(Request, Vec<Event>), ServiceError> {
        let request = self
            .store
            .get_request(id.trim())
            .await?
            .ok_or_else(|| UserError::UnknownRequest(id.trim().to_string()))?;
        let events = self.store.request_events(&request.id).await?;
        Ok((request, events))
    }

    /// Pending requests whose current step waits for this person, directly or as today's
    /// delegate of someone it waits for, oldest first.
    pub async fn pending_for(&self, who: &str) -> Result<(Person, Vec<Request>), ServiceError> {
        let person = self.person(who).await?;
        let today = self.today();
        let delegators: Vec<String> = self
            .delegations_on(today)
            .await?
            .iter()
            .filter(|d| d.to_person == person.id)
            .map(|d| d.from_person.clone())
            .collect();
        let mut waiting: Vec<Request> = self
            .store
            .pending_requests()
            .await?
            .into_iter()
            .filter(|r| {
                r.current().is_some_and(|step| {
                    let waiting = step.waiting_for();
                    waiting.contains(&person.id.as_str())
                        || delegators.iter().any(|d| waiting.contains(&d.as_str()))
                })
            })
            .collect();
        waiting.sort_by(|a, b| a.submitted_at.cmp(&b.submitted_at).then(a.id.cmp(&b.id)));
        Ok((person, waiting))
    }

    pub async fn list_requests(
        &self,
        filter: &RequestFilter,
    ) -> Result<Vec<Request>, ServiceError> {
        Ok(self.store.list_requests(filter).await?)
    }

    /// The directory as cached now.
    pub async fn directory_now(&self) -> anyhow::Result<crate::domain::Directory> {
        Ok(self.directory.get(&self.store).await?.directory.clone())
    }

    /// Today in the company's time zone (the day delegations are read for).
    pub fn today(&self) -> chrono::NaiveDate {
        let calendar = &self.config.settings.company.calendar;
        self.clock
            .now()
            .with_timezone(&calendar.time_zone)
            .date_naive()
    }

    /// Looks a person up by staff id, email or chat identity.
    pub async fn person(&self, who: &str) -> Result<Person, ServiceError> {
        let people = self.directory.get(&self.store).await?;
        Ok(people
            .directory
            .resolve(who)
            .ok_or_else(|| UserError::UnknownPerson(who.to_string()))?
            .clone())
    }

    /// The active person who is `id` on `platform` (else the one with `email`, when the platform
    /// gave one): the one lookup every adapter makes; a refusal says which field to fill in.
    pub async fn person_on(
        &self,
        platform: &str,
        id: &str,
        email: Option<&str>,
    ) -> Result<Person, ServiceError> {
        let people = self.directory.get(&self.store).await?;
        match people.directory.person_on(platform, id, email) {
            Some(person) if person.active => Ok(person.clone()),
            _ => {
                let field = self.config.directory.chat.get(platform);
                Err(UserError::UnknownChatMember {
                    platform: platform.to_string(),
                    id: id.to_string(),
                    field: field.cloned().unwrap_or_else(|| format!("{platform}_user")),
                }
                .into())
            }
        }
    }

    /// A person's display name (their id when unknown), for listings.
    pub async fn display_name(&self, id: &str) -> String {
        match self.directory.get(&self.store).await {
            Ok(people) => people
                .directory
                .get(id)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| id.to_string()),
            Err(_) => id.to_string(),
        }
    }

    /// Active people whose name, role, title or id contains `query` (any case), by name; at most
    /// `limit`.
    pub async fn find_people(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Person>, ServiceError> {
        let people = self.directory.get(&self.store).await?;
        let query = query.trim().to_lowercase();
        let mut found: Vec<Person> = people
            .directory
            .people()
            .into_iter()
            .filter(|p| p.active)
            .filter(|p| {
                query.is_empty()
                    || [Some(&p.name), Some(&p.role), p.title.as_ref(), Some(&p.id)]
                        .into_iter()
                        .flatten()
                        .any(|text| text.to_lowercase().contains(&query))
            })
            .cloned()
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        found.truncate(limit);
        Ok(found)
    }

    /// Records of `record_type` a form may refer to, labelled `Name (KEY)` and filtered by
    /// `query` on either; at most `limit`. Served from the label cache, so a keystroke in a
    /// picker reads nothing.
    pub async fn record_choices(
        &self,
        record_type: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Choice>, ServiceError> {
        if !self.referenced_types().iter().any(|t| t == record_type) {
            return Err(UserError::Invalid(format!(
                "No form refers to records of type `{}`.",
                crate::engine::form::truncate(record_type, 40)
            ))
            .into());
        }
        let query = query.trim().to_lowercase();
        let labels = self.record_labels().await?;
        let mut choices: Vec<Choice> = labels
            .of_type(record_type)
            .map(|(key, label)| Choice {
                value: key.to_string(),
                label: if label == key {
                    key.to_string()
                } else {
                    format!("{label} ({key})")
                },
            })
            .filter(|c| query.is_empty() || c.label.to_lowercase().contains(&query))
            .collect();
        choices.sort_by(|a, b| a.value.cmp(&b.value));
        choices.truncate(limit);
        Ok(choices)
    }
}
