-- Every chat platform's messages and events in one place, so that delivery (who is owed which
-- message, posted once, cards updated by version) is decided once in the service and a new
-- platform adds no tables. slack_messages and slack_events move here; the console's cards (its
-- messages stay in console_messages, the console's own conversations) are listed here too, so
-- that a card posted before the upgrade is still updated after it.

create table chat_messages (
    id              integer primary key,
    -- slack, console, discord…
    platform        text    not null,
    request_id      text    not null,
    -- where keel asked to post: a person's identity on the platform, or a channel as configured
    target          text    not null,
    -- the platform's name for the message: its conversation and its id there
    conversation    text    not null,
    message_id      text    not null,
    -- the outbox notification the message delivered: a retried delivery is recognised
    notification_id integer,
    -- the request version its card shows (null without a card): an update never goes back
    card_version    integer,
    posted_at       text    not null,
    unique (platform, conversation, message_id)
);

create index chat_messages_request on chat_messages (request_id, platform);
create unique index chat_messages_notification
    on chat_messages (platform, notification_id, target) where notification_id is not null;

insert into chat_messages (platform, request_id, target, conversation, message_id,
                           notification_id, card_version, posted_at)
select 'slack', request_id, target, channel, ts, outbox_id, card_version, posted_at
from slack_messages order by id;

-- the console's messages keel posted for a request; '@S004' is the direct messages of S004
insert into chat_messages (platform, request_id, target, conversation, message_id,
                           notification_id, card_version, posted_at)
select 'console', request_id,
       case when conversation like '@%' then substr(conversation, 2) else conversation end,
       conversation, cast(id as text), outbox_id,
       case when card is null then null else coalesce(card_version, 0) end, posted_at
from console_messages
where author = 'keel' and request_id is not null and (card is not null or outbox_id is not null)
order by id;

-- events a platform delivered (Slack's event_id…), so that one delivered again acts once
create table chat_events (
    platform    text not null,
    event_id    text not null,
    received_at text not null,
    primary key (platform, event_id)
);

insert into chat_events (platform, event_id, received_at)
select 'slack', event_id, received_at from slack_events;

drop table slack_messages;
drop table slack_events;

-- Delivery state per platform: each outbox row is a notification owed on one platform, so that
-- one platform's outage or missing person holds only its own row. A row is queued for no
-- platform yet (null) and split by the deliverer among the platforms it serves, the first
-- taking the row itself; the copies name the notification they were split from.
alter table outbox add column platform text;
alter table outbox add column notification_id integer;
