-- What /metrics and /readyz read at every scrape, kept cheap as the tables grow, and the HTTP
-- request behind each notification.

-- the X-Request-Id of the HTTP request whose transaction queued the notification (null when
-- none did: a timer, a chat event handled later): its delivery is logged with it
alter table outbox add column http_request_id text;

-- undelivered notifications by platform and age, without reading the delivered ones
create index outbox_undelivered on outbox (platform, created_at) where delivered_at is null;

-- the events that are SLA breaches (a reminder, an escalation, an expiry), counted by kind
create index events_sla on events (action, request_id)
    where action in ('reminded', 'escalated', 'expired');
