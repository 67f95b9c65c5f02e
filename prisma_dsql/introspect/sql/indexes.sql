-- indexes: the indexes of every table read (primary keys included: the caller skips them). Keys are column
-- names, or for expression keys (indkey 0) the expression as pg_get_indexdef prints it; keys
-- past indnkeyatts are INCLUDE columns. indoption bits: 1 = DESC, 2 = NULLS FIRST. The full
-- definition names the operator classes (DSQL has no pg_opclass to join); it is the costliest
-- part of the query, so it is read only when the opclasses parameter is true (the profile has them).
SELECT ix.indrelid, ix.indexrelid, i.relname::text, ix.indisunique, ix.indisprimary, ix.indisvalid,
       ix.indnkeyatts, ix.indnullsnotdistinct,
       ARRAY(SELECT CASE WHEN ix.indkey[k - 1] <> 0
                         THEN (SELECT att.attname::text FROM pg_catalog.pg_attribute att
                               WHERE att.attrelid = ix.indrelid AND att.attnum = ix.indkey[k - 1])
                         ELSE pg_catalog.pg_get_indexdef(ix.indexrelid, k, true) END
             FROM pg_catalog.generate_series(1, ix.indnatts) k ORDER BY k) AS keys,
       ARRAY(SELECT ix.indkey[k - 1] = 0
             FROM pg_catalog.generate_series(1, ix.indnatts) k ORDER BY k) AS expression_keys,
       ARRAY(SELECT ix.indoption[k - 1]::int
             FROM pg_catalog.generate_series(1, ix.indnkeyatts) k ORDER BY k) AS options,
       am.amname::text AS method,
       pg_catalog.pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
       CASE WHEN %(opclasses)s::boolean THEN pg_catalog.pg_get_indexdef(ix.indexrelid) END AS definition,
       d.description
FROM pg_catalog.pg_index ix
JOIN pg_catalog.pg_class c ON c.oid = ix.indrelid
JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = i.relam
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = ix.indexrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
WHERE c.relnamespace = ANY (%(namespaces)s::oid[])
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY ix.indrelid, i.relname
