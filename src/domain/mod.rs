//! The nouns of keel as plain data: field types and values, records, people, workflows, requests,
//! audit events and notifications, forms, and what people do in chat and what keel answers. Nothing here does I/O; the engine and the service build on it.

pub mod api_token;
pub mod card_fact;
pub mod chat;
pub mod digest;
pub mod event;
pub mod field;
pub mod form;
pub mod interaction;
pub mod notification;
pub mod person;
pub mod plan;
pub mod record;
pub mod request;
pub mod timer;
pub mod vocabulary;
pub mod workflow;

pub use api_token::{ApiToken, TokenRefusal};
pub use card_fact::CardFact;
pub use chat::{ChatMessage, Delivery, MessageRef, Target};
pub use event::{Event, EventDraft};
pub use field::{FieldType, Fields};
pub use form::{Choice, Form, Input, InputKind};
pub use interaction::{Effect, FormId, Interaction, ShownTable};
pub use notification::{Card, CardButton, Notification, NotificationKind};
pub use person::{Delegation, Directory, Person};
pub use record::{Record, RecordLabels, RecordSchema, RecordType, RecordTypeField};
pub use request::{Assignment, Flag, Request, Status, StepDecision, StepState};
pub use timer::{NewTimer, Timer, TimerKind};
pub use workflow::{
    AnomalySpec, ApproverSpec, Chain, ContextSpec, FactKind, FormField, HistoryMapping, Outcome,
    Quorum, RuleSpec, StepSpec, Timing, Workflow,
};
