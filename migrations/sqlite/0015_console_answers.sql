-- Ask keel's answers in the console are messages like any other, so that they survive a reload:
-- the answer's table (its labelled columns and one page of rows, as shown) and how it was
-- computed, as JSON, and its chart as base64 PNG, read only when the chart is shown.
alter table console_messages add column answer text;
alter table console_messages add column chart text;
