-- types: the user types of the schemas read: enum types (labels from pg_enum, which DSQL has but leaves
-- empty: DSQL enums are domains) and domains with their base type, NOT NULL, DEFAULT and
-- CHECK constraints.
SELECT t.oid, n.nspname::text, t.typname::text, t.typtype::text,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
           AS labels,
       (bt.typcategory = 'A') AS is_array,
       et.typtype::text AS elem_kind, etn.nspname::text AS elem_schema, et.typname::text AS elem_name,
       pg_catalog.format_type(et.oid, t.typtypmod) AS elem_text,
       t.typnotnull, t.typdefault,
       ARRAY(SELECT con.conname::text FROM pg_catalog.pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS check_names,
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(con.oid) FROM pg_catalog.pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS check_definitions,
       ARRAY(SELECT con.convalidated FROM pg_catalog.pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c' ORDER BY con.conname) AS check_validated,
       d.description
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_type et
       ON et.oid = CASE WHEN bt.typcategory = 'A' AND bt.typelem <> 0 THEN bt.typelem ELSE bt.oid END
LEFT JOIN pg_catalog.pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::regclass AND d.objsubid = 0
WHERE t.typnamespace = ANY (%(namespaces)s::oid[])
  AND t.typtype IN ('e', 'd')
ORDER BY n.nspname, t.typname
