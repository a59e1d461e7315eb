-- Audit events written by a transition on PostgreSQL, durable with it (same transaction) but
-- not yet given their place in the chain. Transitions insert here without touching
-- `audit_head`, so concurrent decisions no longer queue on its row lock; one sealer at a time
-- (whichever keel process takes the head's row lock) moves them, in `id` order, into `events`,
-- chained, within about a second (see src/store/audit_seal.rs). `events` and `audit_head` are
-- unchanged, so the chain written before this migration stays valid.

create table pending_events (
    -- the order the sealer chains them in: a request's later event always has a higher id
    id         bigint generated always as identity primary key,
    -- the same columns as `events`, without the chain's seq and hashes
    request_id text collate "C",
    at         text collate "C" not null,
    actor      text collate "C" not null,
    action     text collate "C" not null,
    rule       text collate "C",
    reason     text collate "C",
    data       text collate "C" not null
);

-- a request's timeline shows its events not yet sealed too
create index pending_events_request on pending_events (request_id, id);
