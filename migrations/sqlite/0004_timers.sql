-- Timers: reminders, escalations and expiries, claimed by the scheduler when due.

create table timers (
    id           integer primary key,
    request_id   text    not null references requests (id),
    -- remind, escalate, expire
    kind         text    not null,
    -- the step it concerns; a timer whose step has moved on does nothing
    step         integer not null,
    due_at       text    not null,
    fired_at     text,
    cancelled_at text
);

-- what the scheduler scans: open timers by due time
create index timers_open on timers (due_at) where fired_at is null and cancelled_at is null;
-- cancelling a request's timers
create index timers_request on timers (request_id);
