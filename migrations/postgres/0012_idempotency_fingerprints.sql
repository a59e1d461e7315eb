-- PostgreSQL twin of migrations/sqlite/0012.

-- An idempotency key remembers what it was first used for: the SHA-256 of the workflow, the
-- requester and the canonical form. The same key with the same submission is a retry and gives
-- the same request; the same key with anything else is refused. Requests submitted before this
-- migration have none, and their keys are compared within their workflow and by requester only.
alter table requests add column idempotency_fingerprint text collate "C";

-- A key with a fingerprint is one request across all workflows (keys from before stay unique
-- per workflow, as 0002 made them); this also serves looking a key up whatever its workflow.
create unique index requests_idempotency_key on requests (idempotency_key)
    where idempotency_fingerprint is not null;
