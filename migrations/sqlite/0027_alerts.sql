-- Alerts: whether each record is past each alert rule's bound (digests.toml's [[alert]]), so a
-- crossing is told once, and re-armed when the record falls back; and which alerts are muted.

create table alert_states (
    alert      text not null,
    -- the record's key (of the metric's record type)
    record_key text not null,
    -- 1 while the bound holds, 0 once it stopped holding (re-armed)
    crossed    integer not null,
    -- the metric's value when the state last changed (null: no longer measured)
    value      real,
    changed_at text not null,
    primary key (alert, record_key)
);

create table alert_mutes (
    alert    text primary key,
    muted_at text not null,
    -- muted until then; null: until `keel alerts unmute`
    until    text
);
