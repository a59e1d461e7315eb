-- Slack: the messages keel posted for a request (so that its card is updated in place on every
-- surface it went to), and the events Slack delivered (so that a retried event acts once).

create table slack_messages (
    id           integer primary key,
    request_id   text    not null,
    -- where keel asked to post (a member id U…, or a channel) and the conversation Slack posted
    -- in (D…, C…) with the message's ts, its id there
    target       text    not null,
    channel      text    not null,
    ts           text    not null,
    -- the notification the message delivered: a retried delivery is recognised
    outbox_id    integer,
    -- the request version its card shows: an update never goes back
    card_version integer,
    posted_at    text    not null,
    unique (channel, ts)
);

create index slack_messages_request on slack_messages (request_id);
create unique index slack_messages_outbox
    on slack_messages (outbox_id, target) where outbox_id is not null;

create table slack_events (
    -- Slack's event_id (Ev…), or an interaction's own id
    event_id    text primary key,
    received_at text not null
);
