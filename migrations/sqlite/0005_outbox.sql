-- The outbox: notifications written in the transition's transaction, delivered later (and
-- retried) by the chat adapters.

create table outbox (
    id              integer primary key,
    created_at      text    not null,
    -- staff id of the recipient
    recipient       text    not null,
    -- approval_requested, card_updated, outcome, reminder, escalation, comment
    kind            text    not null,
    request_id      text    not null,
    -- the Notification as JSON
    payload         text    not null,
    -- failed deliveries so far
    attempts        integer not null default 0,
    next_attempt_at text    not null,
    -- a deliverer holds the row until then; after that another may claim it
    claimed_until   text,
    delivered_at    text,
    last_error      text,
    -- set when keel gave up on it
    failed_at       text
);

-- what deliverers scan: undelivered rows by due time
create index outbox_due on outbox (next_attempt_at) where delivered_at is null and failed_at is null;
