-- The local chat console's messages: what keel posted (cards, notifications) and what people
-- typed in its channels. A card is updated in place when its request moves on.

create table console_messages (
    id           bigserial primary key,
    -- '#channel', or '@S004' for the direct messages between keel and that person
    conversation text      not null,
    -- 'keel', or the staff id of the person who typed it
    author       text      not null,
    body         text      not null,
    -- the card as JSON, when the message carries one, and the request version it shows: an
    -- update never replaces a card with an older one
    card         text,
    card_version bigint,
    request_id   text,
    -- the message this one replies to (comments thread under their card)
    thread_of    bigint references console_messages (id),
    -- the outbox notification delivered as this message: a retried delivery posts it once
    outbox_id    bigint,
    posted_at    text      not null,
    updated_at   text      not null
);

create index console_messages_conversation on console_messages (conversation, id);
create index console_messages_request on console_messages (request_id) where request_id is not null;
create unique index console_messages_outbox
    on console_messages (outbox_id, conversation) where outbox_id is not null;
-- a request's card is posted in a channel once, however many approvers are notified
create unique index console_messages_channel_card
    on console_messages (conversation, request_id) where conversation like '#%' and card is not null;
