-- Records mirrored from the company's systems of record (or kept by keel), one row per
-- (type, key) at its current version, plus every version a later one superseded.

-- The current version of each record. `data` is the canonical JSON object of its fields, so an
-- unchanged re-import compares equal as text. Timestamps are canonical UTC text (sortable).
create table records (
    type       text    not null,
    key        text    not null,
    version    integer not null,
    data       text    not null,
    updated_at text    not null,
    -- where this version came from: `import:<file>`, `keel`, a sync source…
    source     text    not null,
    primary key (type, key)
);

-- Every superseded version of every record, by `version`: with the current one in `records`,
-- the whole history. A record imported once has no row here.
create table record_versions (
    type       text    not null,
    key        text    not null,
    version    integer not null,
    data       text    not null,
    changed_at text    not null,
    source     text    not null,
    primary key (type, key, version),
    foreign key (type, key) references records (type, key)
);
