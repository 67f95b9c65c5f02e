-- relations: tables, views and sequences of the schemas read, with their row estimates
-- (pg_class.reltuples: -1 = never analysed), view definitions, comments, and for sequences
-- their options (pg_sequence: DSQL has no pg_sequences) and the column owning them
-- (pg_depend: 'a' = SERIAL / OWNED BY, 'i' = identity column) and whether that column's default
-- calls it.
SELECT c.oid, c.relnamespace, c.relname::text, c.relkind::text, c.reltuples::float8,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS view_definition,
       d.description,
       pg_catalog.format_type(s.seqtypid, NULL) AS seq_type, s.seqstart, s.seqincrement, s.seqcache,
       dep.refobjid AS owner_table, dep.refobjsubid AS owner_column, dep.deptype::text AS owner_kind,
       -- Whether the owning column's DEFAULT uses the sequence (SERIAL): its pg_attrdef depends on it.
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend dd
               JOIN pg_catalog.pg_attrdef ad ON ad.oid = dd.objid
               WHERE dd.classid = 'pg_catalog.pg_attrdef'::regclass AND dd.refclassid = 'pg_catalog.pg_class'::regclass
                 AND dd.refobjid = c.oid AND ad.adrelid = dep.refobjid AND ad.adnum = dep.refobjsubid)
           AS owner_default_uses_it
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = 0
LEFT JOIN pg_catalog.pg_sequence s ON c.relkind = 'S' AND s.seqrelid = c.oid
LEFT JOIN pg_catalog.pg_depend dep
       ON c.relkind = 'S' AND dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
      AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.deptype IN ('a', 'i')
WHERE c.relnamespace = ANY (%(namespaces)s::oid[])
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND NOT c.relispartition
ORDER BY c.relnamespace, c.relname
