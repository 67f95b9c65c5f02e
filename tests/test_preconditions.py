"""The precondition deriver on hand-written statements (no database): which statement of a migration gets which
check, and when none is needed. The queries themselves run on real databases in test_preconditions_db.py."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from prisma_dsql.capabilities import postgres_profile
from prisma_dsql.deploy.preconditions import Check, Result, derive, describe, report


@dataclass(frozen=True)
class St:
    text: str
    line: int = 1


def checks(sql: str, start_at: int = 0, **kw) -> list[tuple[int, str, str]]:
    statements = [St(t.strip(), n) for n, t in enumerate(sql.split(";\n"), 1) if t.strip()]
    return [(c.statement, c.kind, c.sql) for c in derive(statements, start_at, **kw)]


def test_a_new_unique_index_counts_duplicates_ignoring_nulls():
    assert checks('CREATE UNIQUE INDEX ASYNC "User_nick_key" ON "User"("nick")') == [
        (1, "CountDuplicates", 'SELECT count(*) FROM (SELECT "nick", count(*) AS n FROM "User" WHERE "nick" IS NOT '
                               'NULL GROUP BY "nick" HAVING count(*) > 1) d')]


def test_a_partial_unique_index_keeps_its_where_and_nulls_not_distinct_counts_nulls():
    ((_, _, sql),) = checks('CREATE UNIQUE INDEX IF NOT EXISTS "k" ON ONLY public."T" USING btree ("a", "b" DESC) '
                            'NULLS NOT DISTINCT WHERE ("deleted" IS NULL)')
    assert 'GROUP BY "a", "b"' in sql and 'WHERE (("deleted" IS NULL))' in sql and "IS NOT NULL" not in sql


def test_an_expression_index_a_plain_index_and_a_new_table_get_no_check():
    assert checks('CREATE UNIQUE INDEX "k" ON "T" (lower("email"))') == []
    assert checks('CREATE INDEX "k" ON "T" ("a")') == []
    assert checks('CREATE TABLE "T" ("a" TEXT);\nCREATE UNIQUE INDEX ASYNC "k" ON "T" ("a");\n'
                  'ALTER TABLE "T" ADD CONSTRAINT "c" CHECK ("a" IN (\'x\')) NOT VALID;\n'
                  'ALTER TABLE ASYNC "T" VALIDATE CONSTRAINT "c"') == []


def test_a_table_created_by_a_statement_that_already_ran_is_checked_when_resuming():
    sql = 'CREATE TABLE "T" ("a" TEXT);\nINSERT INTO "T" VALUES (\'x\');\nCREATE UNIQUE INDEX ASYNC "k" ON "T" ("a")'
    assert [k for _, k, _ in checks(sql, start_at=2)] == ["CountDuplicates"]


NEW_REQUIRED = ('ALTER TABLE "T" ADD COLUMN "c" TEXT;\n'
                'ALTER TABLE "T" ADD CONSTRAINT "T_c_not_null" CHECK ("c" IS NOT NULL) NOT VALID;\n'
                'ALTER TABLE ASYNC "T" VALIDATE CONSTRAINT "T_c_not_null"')


def test_a_new_required_column_without_a_default_counts_the_rows_at_its_validation():
    assert checks(NEW_REQUIRED) == [(3, "CountRows", 'SELECT count(*) FROM "T"')]


def test_resumed_after_the_column_was_added_it_counts_the_rows_still_without_a_value():
    assert checks(NEW_REQUIRED, start_at=2) == [(3, "CountMissing", 'SELECT count(*) FROM "T" WHERE "c" IS NULL')]


def test_a_backfill_before_the_validation_needs_no_check():
    sql = NEW_REQUIRED.replace(
        ";\nALTER TABLE \"T\" ADD CONSTRAINT",
        ";\nALTER TABLE \"T\" ALTER COLUMN \"c\" SET DEFAULT 'x';\n-- prisma-dsql:repeat-until-zero-rows\n"
        "UPDATE \"T\" SET \"c\" = 'x' WHERE (\"id\") IN (SELECT \"id\" FROM \"T\" WHERE \"c\" IS NULL LIMIT 1000);\n"
        "ALTER TABLE \"T\" ADD CONSTRAINT")
    assert checks(sql) == []


def test_an_existing_column_made_required_counts_its_nulls():
    assert checks('ALTER TABLE "T" ALTER COLUMN "c" SET NOT NULL') == [
        (1, "CountMissing", 'SELECT count(*) FROM "T" WHERE "c" IS NULL')]
    assert checks('ALTER TABLE "T" ADD CONSTRAINT "nn" CHECK ("c" IS NOT NULL)') == [
        (1, "CountMissing", 'SELECT count(*) FROM "T" WHERE "c" IS NULL')]


def test_a_not_valid_check_without_its_validate_gets_none():
    assert checks('ALTER TABLE "T" ADD CONSTRAINT "nn" CHECK ("c" IS NOT NULL) NOT VALID') == []


def test_postgres_add_column_not_null_without_default_counts_rows_with_a_default_none():
    assert checks('ALTER TABLE "T" ADD COLUMN "c" INTEGER NOT NULL,\nADD COLUMN "d" INTEGER NOT NULL DEFAULT 0',
                  profile=postgres_profile()) == [(1, "CountRows", 'SELECT count(*) FROM "T"')]
    assert checks('ALTER TABLE "T" ADD COLUMN "id2" BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY') == []


def test_a_check_of_allowed_values_counts_the_values_outside():
    sql = ('ALTER TABLE "User" ADD CONSTRAINT "User_role_check" CHECK ("role" IN (\'USER\', \'ADMIN\')) NOT VALID;\n'
           'ALTER TABLE ASYNC "User" VALIDATE CONSTRAINT "User_role_check"')
    assert checks(sql) == [(2, "CountViolations",
                            'SELECT count(*) FROM "User" WHERE NOT ("role" IN (\'USER\', \'ADMIN\'))')]


def test_a_check_on_a_column_added_in_the_same_migration_gets_none():
    assert checks('ALTER TABLE "T" ADD COLUMN "r" TEXT;\nALTER TABLE "T" ADD CONSTRAINT "k" CHECK ("r" IN (\'a\'))'
                  ) == []


def test_a_foreign_key_counts_orphans_when_validated_or_added_valid():
    sql = ('ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") '
           'ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;\n'
           'ALTER TABLE ASYNC "Post" VALIDATE CONSTRAINT "Post_authorId_fkey"')
    ((n, kind, query),) = checks(sql)
    assert (n, kind) == (2, "CountOrphans")
    assert 'NOT EXISTS (SELECT 1 FROM "User" r WHERE r."id" = t."authorId")' in query
    assert [k for _, k, _ in checks(sql.split(";\n")[0].replace(" NOT VALID", ""))] == ["CountOrphans"]
    assert checks('ALTER TABLE "Post" ADD FOREIGN KEY ("a") REFERENCES "User"') == []  # its key: unknown here


def test_a_change_to_an_enum_created_in_the_migration_counts_values_outside_its_labels():
    sql = ('CREATE TYPE "Role_new" AS ENUM (\'USER\', \'ADMIN\');\n'
           'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new")')
    assert checks(sql) == [(2, "CountViolations", 'SELECT count(*) FROM "User" WHERE NOT ("role"::text IN '
                                                   '(\'USER\', \'ADMIN\'))')]


def test_a_type_change_counts_values_that_do_not_convert_unless_using_converts_itself():
    ((n, kind, sql),) = checks('ALTER TABLE "T" ALTER COLUMN "age" SET DATA TYPE INTEGER USING ("age"::INTEGER)')
    assert kind == "CountUnconvertible" and "pg_input_is_valid(\"age\"::text, 'INTEGER')" in sql
    assert checks('ALTER TABLE "T" ALTER COLUMN "age" TYPE INTEGER USING (length("age"))') == []


@pytest.mark.parametrize("sql", [
    "", "ALTER TABLE", "CREATE UNIQUE INDEX ON", "CREATE UNIQUE INDEX k ON t (", "UPDATE", "UPDATE t SET",
    "ALTER TABLE t ADD CONSTRAINT", "ALTER TABLE t ADD CONSTRAINT c CHECK (", "ALTER TABLE t VALIDATE CONSTRAINT",
    "ALTER TABLE t ALTER COLUMN c TYPE", "CREATE TYPE e AS ENUM (", "ALTER TABLE t ADD CONSTRAINT c FOREIGN KEY (a)",
])
def test_cut_off_statements_get_no_check_and_no_error(sql):
    assert checks(sql) == []


def test_the_refusal_names_counts_samples_and_the_fix_and_is_terminal_safe():
    check = Check("CountDuplicates", "x", "values of (nick) that User holds more than once", "dedupe them",
                  "SELECT 1", "SELECT 1", 4, 12, 'CREATE UNIQUE INDEX ASYNC "k" ON "User"("nick")')
    result = Result(check, count=7, samples=[("same\x1b[31m", 2), (None, 3)], columns=["nick", "n"])
    text = report("20260101_x\x07", "m/migration.sql", [result])
    assert "7 values of (nick) that User holds more than once" in text
    assert "'same\\x1b[31m' x2; NULL x3, …" in text and "fix: dedupe them" in text
    assert "statement 4 (m/migration.sql:12)" in text and "\x1b" not in text and "\x07" not in text
    assert describe(Result(check, count=1, samples=[(1, "a")], columns=["id", "c"]))[1] == "e.g. (id=1, c='a')"


def test_the_planners_enum_copy_into_a_new_domain_counts_values_the_domain_refuses():
    sql = ('CREATE DOMAIN "Role_1" AS TEXT CHECK (VALUE IN (\'USER\', \'ADMIN\'));\n'
           'ALTER TABLE "User" ADD COLUMN "role__new" "Role_1";\n'
           '-- prisma-dsql:repeat-until-zero-rows\n'
           'UPDATE "User" SET "role__new" = "role"::text::"Role_1" WHERE ("id") IN (SELECT "id" FROM "User" WHERE '
           '"role__new" IS NULL AND "role" IS NOT NULL ORDER BY "id" LIMIT 1500);\n'
           'ALTER TABLE "User" DROP COLUMN "role";\n'
           'ALTER TABLE "User" RENAME COLUMN "role__new" TO "role";\n'
           'ALTER TABLE "User" ADD CONSTRAINT "User_role_not_null" CHECK ("role" IS NOT NULL) NOT VALID;\n'
           'ALTER TABLE ASYNC "User" VALIDATE CONSTRAINT "User_role_not_null"')
    # the copy's values are checked once; the renamed copy was filled, so its NOT NULL needs no check
    assert checks(sql) == [(3, "CountViolations",
                            'SELECT count(*) FROM "User" WHERE NOT ("role"::text IN (\'USER\', \'ADMIN\'))')]


def test_a_renamed_new_column_without_a_fill_still_counts_the_rows():
    sql = ('ALTER TABLE "T" ADD COLUMN "c_new" TEXT;\nALTER TABLE "T" RENAME COLUMN "c_new" TO "c";\n'
           'ALTER TABLE "T" ADD CONSTRAINT "nn" CHECK ("c" IS NOT NULL)')
    assert [k for _, k, _ in checks(sql)] == ["CountRows"]


def test_hostile_statements_are_read_once_or_not_at_all():
    # unterminated comments: one pass (a quadratic scan would not finish); a huge DML: not tokenised
    assert [k for _, k, _ in checks('CREATE UNIQUE INDEX "k" ON "T" ("a") WHERE ' + "/*" * 200_000)] == [
        "CountDuplicates"]
    assert [k for _, k, _ in checks('CREATE UNIQUE INDEX "k" ON "T" ("a") /* ' + "x" * 200_000)] == [
        "CountDuplicates"]
    assert checks("INSERT INTO t VALUES " + ", ".join(["(1)"] * 400_000)) == []
    assert checks("UPDATE t SET a = '" + "x" * 2_000_000 + "'") == []


def test_comments_before_a_statement_do_not_hide_it():
    assert [k for _, k, _ in checks('/* why */ -- note\nCREATE UNIQUE INDEX "k" ON "T" ("a")')] == ["CountDuplicates"]


# -- the planner's own output ------------------------------------------------------------------------------------

def _planned_cases():
    from tests.plan_cases.cases import CASES
    from tests.plan_cases.run import plan_case

    for case in CASES:
        if case.refused is None:
            evo = plan_case(case)
            if evo.ok:
                yield case.name, evo.plan


def _on_new_column(plan, n: int) -> bool:
    """Step n keys on a column an earlier step of the plan adds: NULL on every row, so a unique, key or foreign
    key over it cannot fail on data (the planner's hazard is conservative)."""
    import re

    added = {m.group(1) for s in plan.steps[: n - 1] for m in re.finditer(r'ADD COLUMN\s+("[^"]+")', s.sql)}
    keys = re.search(r'(?:INDEX ASYNC .*? ON "[^"]+"|PRIMARY KEY|FOREIGN KEY)\s*\(([^)]*)\)', plan.steps[n - 1].sql)
    return bool(keys) and all(k.strip() in added for k in keys.group(1).split(","))


def test_every_step_the_planner_says_may_fail_on_data_is_checked_before_deploy_runs_it():
    """Each may-fail step of every plan case gets a check from the deriver over the migration.sql deploy reads
    (or, where the statement alone cannot tell, from the planner's own preconditions), and `plan --url` runs
    exactly what deploy will: every check of the deriver."""
    from prisma_dsql.deploy.preconditions import plan_checks
    from prisma_dsql.plan.model import MAY_FAIL

    uncovered, kinds = [], set()
    for name, plan in _planned_cases():
        kinds |= {c.kind for c in derive(plan.steps)}
        derived = {c.statement for c in derive(plan.steps)}
        merged = {c.statement for c in plan_checks(plan, postgres_profile())}
        for n, step in enumerate(plan.steps, 1):
            if any(h.kind == MAY_FAIL for h in step.hazards) and n not in merged and not _on_new_column(plan, n):
                uncovered.append(f"{name}: step {n} {step.label} {step.sql[:80]}")
        assert derived <= merged
    assert uncovered == [], "\n".join(uncovered)
    assert kinds == {"CountDuplicates", "CountUnconvertible", "CountOrphans", "CountRows", "CountViolations",
                     "CountMissing"}


def test_checks_after_a_pending_rename_read_the_names_the_database_still_has():
    sql = ('ALTER TABLE "U" RENAME TO "User";\nALTER TABLE "User" RENAME COLUMN "mail" TO "email";\n'
           'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");\n'
           'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL')
    assert [q for _, _, q in checks(sql)] == [
        'SELECT count(*) FROM (SELECT "mail", count(*) AS n FROM "U" WHERE "mail" IS NOT NULL GROUP BY "mail" HAVING '
        'count(*) > 1) d', 'SELECT count(*) FROM "U" WHERE "mail" IS NULL']
    # resumed after the renames ran: the new names exist
    assert [q for _, _, q in checks(sql, start_at=2)][1] == 'SELECT count(*) FROM "User" WHERE "email" IS NULL'


def test_a_rebuilt_table_is_checked_on_the_table_its_rows_are_copied_from():
    sql = ('CREATE TABLE "User__new" ("id" BIGINT NOT NULL, "email" TEXT NOT NULL);\n'
           'INSERT INTO "User__new" ("id", "email") SELECT s."id", s."email" FROM "User" s ORDER BY s."id" LIMIT 1500;\n'
           'DROP TABLE "User";\nALTER TABLE "User__new" RENAME TO "User";\n'
           'CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email")')
    assert [(n, q) for n, _, q in checks(sql)] == [
        (5, 'SELECT count(*) FROM (SELECT "email", count(*) AS n FROM "User" WHERE "email" IS NOT NULL GROUP BY '
            '"email" HAVING count(*) > 1) d')]
    empty = sql.replace('INSERT INTO "User__new" ("id", "email") SELECT s."id", s."email" FROM "User" s ORDER BY '
                        's."id" LIMIT 1500;\n', "")
    assert checks(empty) == []  # a new table nothing is copied into has no rows
