-- What the anomaly check compares a new request with, kept in columns of their own so that
-- one covering index serves the lookup: the value of the workflow's anomaly field and of its
-- grouping field, as text, written with the request (keel fills them from the workflow's
-- `[anomaly]` settings, and fills them again when those settings change).

alter table requests add column anomaly_group text;
alter table requests add column anomaly_value text;

create index requests_anomaly on requests (workflow, anomaly_group, submitted_at, status, anomaly_value)
    where anomaly_value is not null;

-- The settings the columns were filled from, per workflow.
create table anomaly_specs (
    workflow    text primary key,
    group_field text,
    value_field text not null
);
