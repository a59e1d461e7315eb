-- The anomaly check keeps each group's most recent values in memory and reads them from the
-- database only to load a window (src/store/anomaly_windows.rs). The load reads the request ids
-- too, to tell which concurrent commits its rows hold, so the covering index of migration 0008
-- gains the id: the load walks it in order and never touches the table.

drop index requests_anomaly;

create index requests_anomaly on requests (workflow, anomaly_group, submitted_at, status, anomaly_value, id)
    where anomaly_value is not null;
