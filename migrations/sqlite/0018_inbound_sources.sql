-- Inbound sources: what other systems post to /hooks/{source}, and what pollers read from
-- their list endpoints, queued durably before keel answers and applied to records later.

create table inbound_events (
    id              integer primary key,
    source          text    not null,
    -- the sender's delivery id, or the SHA-256 of the body: a replay is not queued twice
    delivery_id     text    not null,
    -- hook: a webhook's body (one or several events, maybe thin); record: a full record polled
    kind            text    not null,
    payload         text    not null,
    received_at     text    not null,
    -- queued, applied or dead (a dead letter, listed by `keel sync failures`)
    status          text    not null default 'queued',
    -- failed tries (a fetch-back that met 429, 5xx or no answer) since it was last queued
    attempts        integer not null default 0,
    next_attempt_at text    not null,
    -- an applier holds the row until then; after that another may claim it
    claimed_until   text,
    applied_at      text,
    failed_at       text,
    last_error      text,
    unique (source, delivery_id)
);

-- what appliers scan: queued rows by due time
create index inbound_due on inbound_events (next_attempt_at) where status = 'queued';
-- what status and replay read: a source's events by arrival
create index inbound_by_source on inbound_events (source, received_at);

-- Per source: the poller's watermark (the newest change time queued) and lease (one poller
-- per source across keel processes), and how its polling last went.
create table source_polls (
    source          text    primary key,
    watermark       text    not null,
    lease_owner     text,
    lease_until     text,
    last_success_at text,
    last_error      text,
    -- failed polls in a row
    failures        integer not null default 0
);
