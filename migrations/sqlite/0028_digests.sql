-- Digests: each schedule tick claimed once (the first keel process to insert its row sends it,
-- in the same transaction), and what each person's last digest listed, so the next one says
-- what is new, still there and resolved.

create table digest_ticks (
    digest  text not null,
    -- the scheduled instant (or the moment of a `keel digest send`)
    due_at  text not null,
    sent_at text not null,
    -- how many people it was sent to
    sent_to integer not null,
    -- 1: the tick already past when keel first ran with this digest, passed over unsent (a
    -- digest starts at its next scheduled time, not with one due before it existed)
    skipped integer not null default 0,
    primary key (digest, due_at)
);

create table digest_memory (
    digest    text not null,
    -- staff id of the recipient
    person    text not null,
    -- the items listed, as JSON: [{section, key, line}]
    items     text not null,
    sent_at   text not null,
    primary key (digest, person)
);
