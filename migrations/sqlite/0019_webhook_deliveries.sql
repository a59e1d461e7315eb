-- Outbound webhooks (config/integrations/*.toml, `[[target]]` and `[[rule]]`): each row is one
-- payload owed to one target, written in the transaction of the decision or record change that
-- caused it, and delivered (and retried) by that target's deliverer. Apart from the outbox of
-- notifications because its shape differs: no recipient or platform, a body rendered once so
-- that every retry sends the same bytes, a target that can be disabled, and dead letters.

create table webhook_deliveries (
    -- sent as `webhook-id`: the same on every retry, so the receiver can drop a repeat
    id              integer primary key,
    created_at      text    not null,
    -- the [[target]]'s name and the [[rule]] that queued it
    target          text    not null,
    rule            text    not null,
    -- request.decided, record.changed
    event_type      text    not null,
    -- what it is about: a request id, or `type/key` of a record
    subject         text    not null,
    -- the JSON body, rendered when queued
    body            text    not null,
    -- failed attempts so far
    attempts        integer not null default 0,
    next_attempt_at text    not null,
    -- a deliverer holds the row until then; after that another may claim it
    claimed_until   text,
    delivered_at    text,
    -- the HTTP status of the last answer (null when there was none: a timeout, a refused
    -- connection)
    last_status     integer,
    last_error      text,
    -- dead-lettered: out of attempts, held until `keel sync retry`
    dead_at         text
);

-- what a target's deliverer scans: its undelivered, live rows by due time
create index webhook_deliveries_due on webhook_deliveries (target, next_attempt_at)
    where delivered_at is null and dead_at is null;

-- What keel remembers of each target besides its config: disabled (it answered 410 Gone)
-- until `keel sync enable`, and its last success, for `keel sync status`.
create table webhook_targets (
    name            text    primary key,
    disabled_at     text,
    disabled_reason text,
    last_success_at text
);

-- A write to a record type owned by another system (`[[owner]]`), turned into a request of a
-- workflow: applied to the record, in the decision's transaction, once the request is approved.
create table record_change_requests (
    request_id  text    primary key,
    record_type text    not null,
    record_key  text    not null,
    -- the record's fields as proposed
    fields      text    not null,
    -- who wrote: `csv import`, `api`, `source <name>`
    writer      text    not null,
    applied_at  text
);
