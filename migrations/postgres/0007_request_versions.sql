-- PostgreSQL twin of migrations/sqlite/0007: every write of a request moves its version on by
-- exactly one from the stored one.

create function requests_version_moves_by_one() returns trigger
language plpgsql as $$
begin
    if new.version <> old.version + 1 then
        raise exception 'keel: stale request version';
    end if;
    return new;
end
$$;

create trigger requests_version_moves_by_one
before update of version on requests
for each row execute function requests_version_moves_by_one();
