-- Requests: submitted instances of a workflow, and the per-workflow counters that number them.

create table requests (
    -- `CO-1042`: the workflow's prefix and its number.
    id              text    primary key,
    workflow        text    not null,
    -- the numeric part of the id (null when the id has none, e.g. odd imported history)
    number          integer,
    -- staff id; null only for history imported without one
    requester       text,
    -- the form as canonical JSON
    fields          text    not null,
    -- pending, approved, auto_approved, rejected, auto_rejected, cancelled, expired
    status          text    not null,
    current_step    integer not null,
    -- JSON list of the chain's steps with their approvers and approvals
    steps           text    not null,
    -- the decision-table row that decided or routed it
    rule            text,
    -- JSON list of flags raised at submission
    flags           text    not null,
    submitted_at    text    not null,
    decided_at      text,
    -- set by clients that retry: a second submission with the same key is the same request
    idempotency_key text,
    -- bumped by every transition
    version         integer not null,
    updated_at      text    not null,
    unique (workflow, idempotency_key)
);

-- the pending list and the per-status listings
create index requests_status on requests (status, submitted_at);
-- "my requests"
create index requests_requester on requests (requester, submitted_at);
-- history of a workflow (anomaly checks, listings by workflow)
create index requests_workflow on requests (workflow, submitted_at);

-- The next number to give per workflow.
create table request_sequences (
    workflow    text    primary key,
    next_number integer not null
);
