-- The answers the REST API gave to POSTs that carried an `Idempotency-Key`, so that a client
-- retrying after a lost answer gets the first answer again instead of acting twice.

create table api_replays (
    -- the name of the token that sent it: each caller has its own keys
    token       text    not null,
    key         text    not null,
    -- sha-256 of method, path and body: the same key sent with another request is refused
    fingerprint text    not null,
    status      integer not null,
    -- the answer's JSON, as sent
    body        text    not null,
    created_at  text    not null,
    primary key (token, key)
);
