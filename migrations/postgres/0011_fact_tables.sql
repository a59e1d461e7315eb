-- Every record type also has typed tables keel answers questions from (`facts_<type>`: one row
-- per record, a column per field; `sums_<type>`: running counts and sums per month and per
-- named group). keel creates them from records.toml, so their shape is not in a migration; this
-- table remembers the definition each was built from, so that a changed records.toml rebuilds
-- them from the records.
create table fact_tables (
    record_type text collate "C" primary key,
    definition  text collate "C" not null
);
