-- What a person has typed in a form not yet submitted: the pages of a form filled over several
-- dialogs (a platform whose dialogs hold few inputs, like Discord's modals of five), or a
-- submission sent back to fix. Kept by the form opening's nonce for its author only, until the
-- form is submitted or a day has passed, so that no page and no typed value is lost between
-- dialogs, whichever keel process serves the next one.
create table form_drafts (
    nonce        text primary key,
    -- staff id of the author: a draft is only ever read back by them
    person       text not null,
    -- the form's id (submit:expense)
    form         text not null,
    -- JSON array of [field, value] pairs, in the order typed
    field_values text not null,
    updated_at   text not null
);

create index form_drafts_updated on form_drafts (updated_at);
