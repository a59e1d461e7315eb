-- PostgreSQL twin of migrations/sqlite/0008: the anomaly check's values in columns of their own.

alter table requests add column anomaly_group text collate "C";
alter table requests add column anomaly_value text collate "C";

create index requests_anomaly on requests (workflow, anomaly_group, submitted_at, status, anomaly_value)
    where anomaly_value is not null;

create table anomaly_specs (
    workflow    text collate "C" primary key,
    group_field text collate "C",
    value_field text collate "C" not null
);
