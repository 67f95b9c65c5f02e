"""What the local Aurora DSQL installs in each database, beyond the rehearsal's schema ``sys``.

Contract
--------
``install(conninfo, profile)`` (idempotent, serialised by an advisory lock) first installs
:mod:`prisma_dsql.rehearsal.server_objects` (``sys.jobs``, ``sys.wait_for_job``, ...), then:

* **Per-transaction limits, server-side, for every client.**  Every ordinary table outside ``sys`` gets
  three statement-level ``AFTER`` triggers with transition tables (``localdsql_rows_ins/upd/del``), put
  there by an event trigger when the table is created (and on install for tables already there).  They add
  the rows each INSERT / UPDATE / DELETE changed (cascaded actions included: they run as statements on the
  referencing table) and the bytes of inserted and updated rows (their text form, uncompressed) to two
  transaction-local settings; past the profile's ``rows_per_transaction`` or ``bytes_per_transaction``
  the statement fails with 54000 and the transaction with it.
* **Refusals the text of a statement cannot show** (event triggers): a B-tree index on a json/jsonb
  column (also a primary key or unique constraint), dropping a primary key or one of its columns
  (0A000), unless the profile has the capability.
* **Async jobs**: ``sys.localdsql_index_async(...)`` and ``sys.localdsql_validate_async(...)``, what the
  proxy turns ``CREATE [UNIQUE] INDEX ASYNC`` and ``ALTER TABLE ASYNC ... VALIDATE CONSTRAINT`` into: the
  index is created at once as a placeholder that is not valid, a ``sys.jobs`` row is queued, one row
  ``job_id`` is returned; the rehearsal's worker (:mod:`prisma_dsql.rehearsal.worker`) runs the job.
  Dropping an object cancels its open jobs (event trigger on ``sql_drop``).

The connection needs a superuser (the embedded server's ``postgres``): event triggers and the flags in
``pg_index`` require it.
"""

from __future__ import annotations

import threading

from prisma_dsql.capabilities import Profile
from prisma_dsql.rehearsal import server_objects as rehearsal_objects
from prisma_dsql.rehearsal.server_objects import CHANNEL

__all__ = ["BYTE_LIMIT_MESSAGE", "ROW_LIMIT_MESSAGE", "install", "install_sql"]

ROW_LIMIT_MESSAGE = "transaction row limit exceeded: at most {rows} rows can be modified in a transaction"
BYTE_LIMIT_MESSAGE = "transaction size limit 10mb exceeded"
_INSTALL_LOCK = (0x5D51, 0x1258)
_VERSION = "prisma-dsql localdsql 2"

_COUNT_SQL = """
CREATE OR REPLACE FUNCTION sys.localdsql_account(n bigint, b bigint) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
    r bigint := coalesce(nullif(current_setting('localdsql.tx_rows', true), ''), '0')::bigint + n;
    t bigint := coalesce(nullif(current_setting('localdsql.tx_bytes', true), ''), '0')::bigint + b;
BEGIN
    -- is_local: the counts live and die with the transaction.
    PERFORM set_config('localdsql.tx_rows', r::text, true);
    PERFORM set_config('localdsql.tx_bytes', t::text, true);
    IF r > {rows} THEN
        RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = '{row_message}',
            DETAIL = format('%s rows modified in this transaction', r);
    END IF;
    IF t > {bytes} THEN
        RAISE EXCEPTION USING ERRCODE = '54000', MESSAGE = '{byte_message}',
            DETAIL = format('%s bytes written in this transaction (at most {bytes})', t);
    END IF;
END
$f$;

CREATE OR REPLACE FUNCTION sys.localdsql_count_new() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE n bigint; b bigint;
BEGIN
    SELECT count(*), coalesce(sum(octet_length(r::text)), 0) INTO n, b FROM localdsql_new r;
    IF n > 0 THEN PERFORM sys.localdsql_account(n, b); END IF;
    RETURN NULL;
END
$f$;

CREATE OR REPLACE FUNCTION sys.localdsql_count_old() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE n bigint;
BEGIN
    SELECT count(*) INTO n FROM localdsql_old;
    IF n > 0 THEN PERFORM sys.localdsql_account(n, 0); END IF;
    RETURN NULL;
END
$f$;

CREATE OR REPLACE FUNCTION sys.localdsql_watch(rel oid) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = rel AND relkind = 'r')
       OR EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = rel AND tgname = 'localdsql_rows_ins') THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TRIGGER localdsql_rows_ins AFTER INSERT ON %s REFERENCING NEW TABLE AS localdsql_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sys.localdsql_count_new()', rel::regclass);
    EXECUTE format('CREATE TRIGGER localdsql_rows_upd AFTER UPDATE ON %s REFERENCING NEW TABLE AS localdsql_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sys.localdsql_count_new()', rel::regclass);
    EXECUTE format('CREATE TRIGGER localdsql_rows_del AFTER DELETE ON %s REFERENCING OLD TABLE AS localdsql_old '
                   'FOR EACH STATEMENT EXECUTE FUNCTION sys.localdsql_count_old()', rel::regclass);
END
$f$;
"""

_EVENT_SQL = """
-- Before each DDL: the primary keys as they are, in a transaction-local setting of this session, for the
-- sql_drop trigger (which runs after the catalog rows are gone). Nothing shared is written.
CREATE OR REPLACE FUNCTION sys.localdsql_ddl_start() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF {refuse_pk_drop} THEN
        PERFORM set_config('localdsql.primary_keys', coalesce((
            SELECT string_agg(format('%s/%s/%s', oid, conrelid, array_to_string(conkey, ',')), ' ')
            FROM pg_constraint WHERE contype = 'p'), ''), true);
    END IF;
END
$f$;

CREATE OR REPLACE FUNCTION sys.localdsql_ddl_end() RETURNS event_trigger LANGUAGE plpgsql AS $f$
DECLARE c record; bad text;
BEGIN
    FOR c IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
        CONTINUE WHEN c.schema_name IS NOT DISTINCT FROM 'sys' OR c.object_type NOT IN ('table', 'index');
        IF c.command_tag = 'CREATE TABLE' THEN
            PERFORM sys.localdsql_watch(c.objid);
        END IF;
        IF {refuse_json_index} THEN
            SELECT a.attname INTO bad
            FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
            JOIN pg_type t ON t.oid = a.atttypid
            WHERE (i.indrelid = c.objid OR i.indexrelid = c.objid)
              AND coalesce(nullif(t.typbasetype, 0), t.oid) IN ('json'::regtype, 'jsonb'::regtype)
            LIMIT 1;
            IF bad IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = '0A000',
                    MESSAGE = format('indexes on json/jsonb columns are not supported (column %s)', bad);
            END IF;
        END IF;
    END LOOP;
END
$f$;

CREATE OR REPLACE FUNCTION sys.localdsql_sql_drop() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF {refuse_pk_drop} AND EXISTS (
        WITH p AS (
            SELECT split_part(x, '/', 1)::oid AS conoid, split_part(x, '/', 2)::oid AS conrelid,
                   string_to_array(split_part(x, '/', 3), ',')::int2[] AS conkey
            FROM unnest(string_to_array(coalesce(current_setting('localdsql.primary_keys', true), ''), ' ')) x
            WHERE x <> '')
        SELECT 1 FROM pg_event_trigger_dropped_objects() d
        JOIN p ON (d.object_type = 'table constraint' AND d.objid = p.conoid)
               OR (d.object_type = 'table column' AND d.objid = p.conrelid AND d.objsubid = ANY (p.conkey))
        WHERE NOT EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() t
                          WHERE t.object_type = 'table' AND t.objid = p.conrelid))
    THEN
        RAISE EXCEPTION USING ERRCODE = '0A000',
            MESSAGE = 'dropping a primary key or a primary-key column is not supported';
    END IF;
    {cancel_gone};
END
$f$;
DROP TABLE IF EXISTS sys.localdsql_primary_keys;  -- an earlier version kept them there (shared: conflicts)
"""

_JOB_SQL = f"""
CREATE OR REPLACE FUNCTION sys.localdsql_index_async(placeholder text, tbl text, is_unique boolean, jid text,
                                                     duration float8, failure text)
RETURNS TABLE (job_id text) LANGUAGE plpgsql AS $f$
#variable_conflict use_column
DECLARE before oid[]; idx oid; idxname text;
BEGIN
    SELECT coalesce(array_agg(i.indexrelid), '{{}}') INTO before FROM pg_index i WHERE i.indrelid = tbl::regclass;
    EXECUTE placeholder;
    SELECT i.indexrelid, c.relname INTO idx, idxname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = tbl::regclass AND NOT i.indexrelid = ANY (before);
    IF idx IS NULL THEN  -- IF NOT EXISTS and the name exists: nothing queued
        job_id := NULL;
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE pg_index SET indisunique = is_unique, indisvalid = false, indisready = false WHERE indexrelid = idx;
    -- A no-op catalog update of the table: its cached index facts are rebuilt.
    UPDATE pg_class SET relhasindex = true WHERE oid = tbl::regclass;
    INSERT INTO sys.jobs (job_id, status, job_type, class_id, object_id, object_name)
        VALUES (jid, 'submitted', 'INDEX_BUILD', 'pg_class'::regclass, idx, idxname);
    INSERT INTO sys.emulated_job_runs VALUES (jid, duration, failure);
    NOTIFY {CHANNEL};
    job_id := jid;
    RETURN NEXT;
END
$f$;

CREATE OR REPLACE FUNCTION sys.localdsql_validate_async(tbl text, con text, jid text, duration float8,
                                                        failure text)
RETURNS TABLE (job_id text) LANGUAGE plpgsql AS $f$
#variable_conflict use_column
DECLARE c oid;
BEGIN
    SELECT oid INTO c FROM pg_constraint WHERE conrelid = tbl::regclass AND conname = con;
    IF c IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '42704',
            MESSAGE = format('constraint "%s" of relation "%s" does not exist', con, tbl);
    END IF;
    INSERT INTO sys.jobs (job_id, status, job_type, class_id, object_id, object_name)
        VALUES (jid, 'submitted', 'VALIDATE_CONSTRAINT', 'pg_constraint'::regclass, c, con);
    INSERT INTO sys.emulated_job_runs VALUES (jid, duration, failure);
    NOTIFY {CHANNEL};
    job_id := jid;
    RETURN NEXT;
END
$f$;
"""

_TRIGGERS_SQL = """
DO $d$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'localdsql_ddl_start') THEN
        CREATE EVENT TRIGGER localdsql_ddl_start ON ddl_command_start EXECUTE FUNCTION sys.localdsql_ddl_start();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'localdsql_ddl_end') THEN
        CREATE EVENT TRIGGER localdsql_ddl_end ON ddl_command_end EXECUTE FUNCTION sys.localdsql_ddl_end();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger WHERE evtname = 'localdsql_sql_drop') THEN
        CREATE EVENT TRIGGER localdsql_sql_drop ON sql_drop EXECUTE FUNCTION sys.localdsql_sql_drop();
    END IF;
END
$d$;
SELECT sys.localdsql_watch(c.oid) FROM pg_class c
WHERE c.relkind = 'r' AND c.relnamespace NOT IN ('sys'::regnamespace, 'pg_catalog'::regnamespace,
                                                'information_schema'::regnamespace)
  AND c.relnamespace::regnamespace::text NOT LIKE 'pg\\_%';
"""


def install_sql(profile: Profile) -> str:
    """The SQL :func:`install` runs (after the rehearsal's objects), with ``profile``'s limits."""
    rows = int(profile.limit("rows_per_transaction") or 3000)
    size = int(profile.limit("bytes_per_transaction") or 10 * 1024 * 1024)
    counting = (
        _COUNT_SQL.replace("{rows}", str(rows))
        .replace("{bytes}", str(size))
        .replace("{row_message}", ROW_LIMIT_MESSAGE.format(rows=rows))
        .replace("{byte_message}", BYTE_LIMIT_MESSAGE)
    )
    json_indexes = profile.supports("json_indexes") and profile.supports("jsonb_indexes")
    events = _EVENT_SQL.replace("{refuse_json_index}", "false" if json_indexes else "true").replace(
        "{refuse_pk_drop}", "false" if profile.supports("drop_primary_key") else "true"
    ).replace("{cancel_gone}", rehearsal_objects.CANCEL_GONE_SQL.strip())
    return "\n".join((counting, events, _JOB_SQL, _TRIGGERS_SQL))


_installed: set[tuple[str, object]] = set()
_lock = threading.Lock()


def install(conninfo: str, profile: Profile) -> None:
    """Install the local DSQL's objects in the database at ``conninfo`` (idempotent)."""
    key = (conninfo, profile.as_of)
    with _lock:
        if key in _installed:
            return
    import psycopg

    rehearsal_objects.install(conninfo)
    marker = f"{_VERSION} {profile.as_of}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT obj_description(oid, 'pg_proc') FROM pg_proc WHERE oid = to_regprocedure('sys.localdsql_watch(oid)')"
        ).fetchone()
        if row is None or row[0] != marker:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", _INSTALL_LOCK)
                conn.execute(install_sql(profile))
                conn.execute(f"COMMENT ON FUNCTION sys.localdsql_watch(oid) IS '{marker}'")
    with _lock:
        _installed.add(key)
