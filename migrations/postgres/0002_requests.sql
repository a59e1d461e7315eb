-- PostgreSQL twin of migrations/sqlite (same tables): bigint for integers, identity ids, and
-- text collate "C" so that ordering and comparisons (canonical timestamps, ids) are bytewise as
-- on SQLite.

-- Requests: submitted instances of a workflow, and the per-workflow counters that number them.

create table requests (
    -- `CO-1042`: the workflow's prefix and its number.
    id              text collate "C" primary key,
    workflow        text collate "C" not null,
    -- the numeric part of the id (null when the id has none, e.g. odd imported history)
    number          bigint,
    -- staff id; null only for history imported without one
    requester       text collate "C",
    -- the form as canonical JSON
    fields          text collate "C" not null,
    -- pending, approved, auto_approved, rejected, auto_rejected, cancelled, expired
    status          text collate "C" not null,
    current_step    bigint not null,
    -- JSON list of the chain's steps with their approvers and approvals
    steps           text collate "C" not null,
    -- the decision-table row that decided or routed it
    rule            text collate "C",
    -- JSON list of flags raised at submission
    flags           text collate "C" not null,
    submitted_at    text collate "C" not null,
    decided_at      text collate "C",
    -- set by clients that retry: a second submission with the same key is the same request
    idempotency_key text collate "C",
    -- bumped by every transition
    version         bigint not null,
    updated_at      text collate "C" not null,
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
    workflow    text collate "C" primary key,
    next_number bigint not null
);
