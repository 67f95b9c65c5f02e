-- columns: the columns of every table read, in table order. The type is given as its element (for arrays)
-- so that user types (enums, domains) are named by schema and name, and builtin ones by
-- format_type with the column's modifier.
SELECT a.attrelid, a.attnum, a.attname::text, a.attnotnull, a.attidentity::text, a.attgenerated::text,
       (t.typcategory = 'A') AS is_array,
       et.typtype::text AS elem_kind, etn.nspname::text AS elem_schema, et.typname::text AS elem_name,
       pg_catalog.format_type(et.oid, a.atttypmod) AS elem_text,
       -- A default refers to no column (a generated column's expression does): without the relation,
       -- pg_get_expr skips building a deparse context, which is most of its cost.
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0)
            ELSE pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default_expr,
       d.description
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
JOIN pg_catalog.pg_namespace etn ON etn.oid = et.typnamespace
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
WHERE c.relnamespace = ANY (%(namespaces)s::oid[])
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
