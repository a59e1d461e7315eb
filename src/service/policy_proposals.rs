//! The dashboard's side of policy simulation: the proposal folders under `config/proposals/`
//! an admin may compare with today's policy, and one of them compared.

use super::policy::Simulation;
use super::{Keel, ServiceError, UserError};
use crate::domain::Person;

impl Keel {
    /// The proposal folders under `config/proposals/` when `viewer` is an admin (`None` for
    /// everyone else): what the dashboard's policy page offers to compare.
    pub async fn policy_proposals(&self, viewer: &Person) -> anyhow::Result<Option<Vec<String>>> {
        let people = self.directory.get(&self.store).await?;
        if !people.directory.is_admin(&viewer.id) {
            return Ok(None);
        }
        let mut names: Vec<String> = std::fs::read_dir(self.proposals_dir())
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| proposal_name_ok(n))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        Ok(Some(names))
    }

    /// The proposal `name` (a folder under `config/proposals/`) compared with today's policy,
    /// for an admin (`None` for everyone else).
    pub async fn simulate_proposal(
        &self,
        viewer: &Person,
        name: &str,
    ) -> Result<Option<Simulation>, ServiceError> {
        let Some(known) = self.policy_proposals(viewer).await? else {
            return Ok(None);
        };
        if !known.iter().any(|k| k == name) {
            return Err(UserError::Invalid(format!(
                "There is no proposal `{}` in {}. The proposals are: {}.",
                crate::engine::form::truncate(name, 40),
                self.proposals_dir().display(),
                if known.is_empty() {
                    "none yet".to_string()
                } else {
                    known.join(", ")
                }
            ))
            .into());
        }
        let mut simulation = self
            .simulate_policy(&self.proposals_dir().join(name), None)
            .await?;
        simulation.proposal = name.to_string();
        Ok(Some(simulation))
    }

    fn proposals_dir(&self) -> std::path::PathBuf {
        self.config.dir.join("proposals")
    }
}

/// Letters, digits, `-` and `_`: a folder name that cannot climb out of `proposals/`.
fn proposal_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
