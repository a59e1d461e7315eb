-- Every write of a request moves its version on by exactly one from the stored one. keel's
-- writes already say which version they follow (`where version < new`, so a write prepared from
-- an older read changes nothing and is retried on the locked row); this guards the invariant
-- itself, against any writer, and fails the statement with this message.

create trigger requests_version_moves_by_one
before update of version on requests
when new.version <> old.version + 1
begin
    select raise(abort, 'keel: stale request version');
end;
