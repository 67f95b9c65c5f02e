-- namespaces: the session's default schema, the schemas to read (all user schemas when the
-- schemas parameter is NULL), the installed extensions and the server version. One row.
-- DSQL: pg_extension exists but lists only plpgsql.
SELECT pg_catalog.current_schema() AS current_schema,
       ARRAY(SELECT n.oid FROM pg_catalog.pg_namespace n
             WHERE (%(schemas)s::text[] IS NULL
                    AND n.nspname NOT IN ('information_schema', 'sys') AND pg_catalog.left(n.nspname, 3) <> 'pg_')
                OR n.nspname = ANY (%(schemas)s::text[])
             ORDER BY n.nspname) AS oids,
       ARRAY(SELECT n.nspname::text FROM pg_catalog.pg_namespace n
             WHERE (%(schemas)s::text[] IS NULL
                    AND n.nspname NOT IN ('information_schema', 'sys') AND pg_catalog.left(n.nspname, 3) <> 'pg_')
                OR n.nspname = ANY (%(schemas)s::text[])
             ORDER BY n.nspname) AS names,
       ARRAY(SELECT e.extname::text FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql' ORDER BY e.extname)
           AS extension_names,
       ARRAY(SELECT en.nspname::text FROM pg_catalog.pg_extension e
             JOIN pg_catalog.pg_namespace en ON en.oid = e.extnamespace
             WHERE e.extname <> 'plpgsql' ORDER BY e.extname) AS extension_schemas,
       ARRAY(SELECT e.extversion::text FROM pg_catalog.pg_extension e WHERE e.extname <> 'plpgsql' ORDER BY e.extname)
           AS extension_versions,
       pg_catalog.current_setting('server_version_num')::int AS server_version
