-- Delegations: someone away hands their approvals to someone else for a range of days.

create table delegations (
    id          integer primary key,
    from_person text    not null,
    to_person   text    not null,
    -- inclusive range of days, YYYY-MM-DD (sorts as text)
    starts_on   text    not null,
    ends_on     text    not null,
    created_at  text    not null,
    check (starts_on <= ends_on)
);

create index delegations_days on delegations (starts_on, ends_on);
