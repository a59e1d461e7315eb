-- Every write of a request moves its version on by exactly one from the stored one. A write
-- prepared from an older read (someone else moved the request meanwhile) is refused here, in
-- the database, so it can be sent without reading the row first: the statement fails with this
-- message and keel undoes the transaction and retries with the row locked.

create trigger requests_version_moves_by_one
before update of version on requests
when new.version <> old.version + 1
begin
    select raise(abort, 'keel: stale request version');
end;
