-- REST API tokens (`keel token create|list|revoke`): each belongs to a person of the directory
-- and grants a list of scopes. Only the SHA-256 of the token is kept: the token is 256 random
-- bits, so no one can guess it or search for it from the hash, and a slow password hash (made
-- for words people choose) would add nothing; a plain hash lets a call find its token by index.

create table api_tokens (
    id           integer primary key,
    -- what `keel token list` and `keel token revoke` call it; a revoked token keeps its name,
    -- so that the list still says who held it
    name         text    not null unique,
    -- the staff id the token acts as (`act-as` lets it act as others)
    person       text    not null,
    -- the granted scopes, separated by spaces: `records:read:project requests:act`
    scopes       text    not null,
    -- hex SHA-256 of the whole token (`keel_…`): how a call finds its token
    secret_hash  text    not null unique,
    created_at   text    not null,
    -- null: it never expires (revoking it stops it)
    expires_at   text,
    revoked_at   text,
    -- the last call made with it (to the minute)
    last_used_at text
);
