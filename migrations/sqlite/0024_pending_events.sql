-- The twin of PostgreSQL's table of audit events not yet sealed into the chain. SQLite chains
-- events in their own transaction (its writer is one connection, and group commit keeps the
-- head in memory), so this table stays empty here; it exists so that the readers of a request's
-- timeline and of the trail use one SQL text on both backends.

create table pending_events (
    id         integer primary key,
    request_id text,
    at         text not null,
    actor      text not null,
    action     text not null,
    rule       text,
    reason     text,
    data       text not null
);

create index pending_events_request on pending_events (request_id, id);
