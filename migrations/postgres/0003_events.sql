-- PostgreSQL twin of migrations/sqlite (same tables): bigint for integers, identity ids, and
-- text collate "C" so that ordering and comparisons (canonical timestamps, ids) are bytewise as
-- on SQLite.

-- The audit trail: one event per transition, hash-chained in `seq` order.

create table events (
    -- position in the chain: 1, 2, 3… without gaps
    seq        bigint primary key,
    -- null for events about no single request
    request_id text collate "C",
    at         text collate "C" not null,
    -- a staff id, `system` or `import`
    actor      text collate "C" not null,
    action     text collate "C" not null,
    rule       text collate "C",
    reason     text collate "C",
    -- JSON object with anything else worth keeping
    data       text collate "C" not null,
    -- the hash of the event before (the genesis hash for the first)
    prev_hash  text collate "C" not null,
    -- sha-256 over prev_hash and the canonical form of this event
    hash       text collate "C" not null
);

-- a request's timeline
create index events_request on events (request_id, seq);

-- The end of the chain, in one row that appenders lock: deleting or editing the last events is
-- detected by comparing against it. `last_seq` 0 means the chain is empty.
create table audit_head (
    id        bigint primary key check (id = 1),
    last_seq  bigint not null,
    last_hash text collate "C" not null
);

insert into audit_head (id, last_seq, last_hash) values (1, 0, '');
