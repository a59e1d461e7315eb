-- Parked notifications. A notification is parked (failed_at set: listed by `keel outbox failed`,
-- its requester and the admins told) when its platform refused it for good, or when it ran out
-- of attempts. One that ran out of attempts is still retried at the capped backoff, so a platform
-- back after a long outage gets what it is owed; one refused for good (a recipient without a
-- chat identity, a channel that does not exist) is held until `keel outbox retry`.

-- 1 while a parked notification waits for `keel outbox retry`
alter table outbox add column held integer not null default 0;

-- what deliverers scan: undelivered rows that are not held, by due time
drop index outbox_due;
create index outbox_due on outbox (next_attempt_at) where delivered_at is null and held = 0;
