-- The audit trail: one event per transition, hash-chained in `seq` order.

create table events (
    -- position in the chain: 1, 2, 3… without gaps
    seq        integer primary key,
    -- null for events about no single request
    request_id text,
    at         text    not null,
    -- a staff id, `system` or `import`
    actor      text    not null,
    action     text    not null,
    rule       text,
    reason     text,
    -- JSON object with anything else worth keeping
    data       text    not null,
    -- the hash of the event before (the genesis hash for the first)
    prev_hash  text    not null,
    -- sha-256 over prev_hash and the canonical form of this event
    hash       text    not null
);

-- a request's timeline
create index events_request on events (request_id, seq);

-- The end of the chain, in one row that appenders lock: deleting or editing the last events is
-- detected by comparing against it. `last_seq` 0 means the chain is empty.
create table audit_head (
    id        integer primary key check (id = 1),
    last_seq  integer not null,
    last_hash text    not null
);

insert into audit_head (id, last_seq, last_hash) values (1, 0, '');
