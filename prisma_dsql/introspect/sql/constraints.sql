-- constraints: the constraints of every table read: primary keys, unique constraints, foreign keys and checks
-- (not PostgreSQL 18's NOT NULL rows), with key columns in key order.
SELECT con.conrelid, con.conname::text, con.contype::text, con.convalidated,
       ARRAY(SELECT att.attname::text FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.num ORDER BY k.ord)
           AS columns,
       fn.nspname::text AS referenced_schema, fc.relname::text AS referenced_table,
       ARRAY(SELECT att.attname::text FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute att ON att.attrelid = con.confrelid AND att.attnum = k.num ORDER BY k.ord)
           AS referenced_columns,
       con.confdeltype::text, con.confupdtype::text, con.conindid,
       CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition,
       d.description
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = con.oid AND d.classoid = 'pg_catalog.pg_constraint'::regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(namespaces)s::oid[])
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND con.contype IN ('p', 'u', 'f', 'c')
ORDER BY con.conrelid, con.conname
