-- PostgreSQL twin of migrations/sqlite (same tables): bigint for integers, text collate "C" so
-- that ordering and comparisons are bytewise as on SQLite.

-- Digests: each schedule tick claimed once (the first keel process to insert its row sends it,
-- in the same transaction; another inserting the same row waits for that transaction and then
-- inserts nothing), and what each person's last digest listed, so the next one says what is
-- new, still there and resolved.

create table digest_ticks (
    digest  text collate "C" not null,
    -- the scheduled instant (or the moment of a `keel digest send`)
    due_at  text collate "C" not null,
    sent_at text collate "C" not null,
    -- how many people it was sent to
    sent_to bigint not null,
    -- 1: the tick already past when keel first ran with this digest, passed over unsent (a
    -- digest starts at its next scheduled time, not with one due before it existed)
    skipped bigint not null default 0,
    primary key (digest, due_at)
);

create table digest_memory (
    digest    text collate "C" not null,
    -- staff id of the recipient
    person    text collate "C" not null,
    -- the items listed, as JSON: [{section, key, line}]
    items     text collate "C" not null,
    sent_at   text collate "C" not null,
    primary key (digest, person)
);
