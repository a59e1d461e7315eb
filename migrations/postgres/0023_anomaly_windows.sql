-- PostgreSQL twin of migrations/sqlite/0023: the covering index of the anomaly windows' load
-- gains the request id.

drop index requests_anomaly;

create index requests_anomaly on requests (workflow, anomaly_group, submitted_at, status, anomaly_value, id)
    where anomaly_value is not null;
