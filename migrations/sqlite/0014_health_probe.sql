-- The health check's write: `/healthz` (and every start) inserts a row here and deletes it in the
-- same transaction, so that a database that takes no writes (a full disk, a read-only file or
-- server) is found before a person's action finds it. The table is always empty; nobody else
-- writes to it, so the probe waits behind no import or request.

create table health_probe (
    -- unique per probe
    id text primary key
);
