"""Real projects' schema histories walked version by version, with rows in every table, on both targets.

Each history (tests/fixtures/histories/<project>/NN.prisma, sources and licences in the README there) is
walked by :func:`tests.support.history_walk.walk` on one database per target: plan from the live database,
write the plan as the next migration, apply the folder with the deploy engine, check that every surviving
table kept its rows and keys and that planning again gives nothing, then add rows to every table. The
options a version needs (consent to lose data, a rebuild, rename hints, a table that must be empty) are in
NEEDS below and in the README: a version without an entry needs none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from prisma_dsql.capabilities import dsql_profile, profile_for
from prisma_dsql.migrations.evolve import RenameHints
from prisma_dsql.plan import PlanOptions
from tests.support import local_dsql as local_dsql_server
from tests.support.history_walk import walk

pytestmark = pytest.mark.postgres

HISTORIES = Path(__file__).parent / "fixtures" / "histories"


@dataclass(frozen=True)
class Need:
    accept_data_loss: bool = False
    allow_rebuild: bool = False
    rename_tables: tuple[str, ...] = ()
    rename_columns: tuple[str, ...] = ()
    #: Tables a required column without a default is added to: the step applies to them only empty.
    empty: tuple[str, ...] = ()


#: project -> version -> what the version's step needs (both targets unless keyed "<nn>@dsql").
NEEDS: dict[str, dict[str, Need]] = {
    "umami": {
        "03": Need(accept_data_loss=True),  # team_website goes (teams redesigned)
        "04": Need(empty=("website_event",)),
        "05": Need(accept_data_loss=True, rename_columns=("EventData.event_key=dataKey",
                                                           "SessionData.session_key=dataKey")),
        "08": Need(accept_data_loss=True, rename_columns=("Session.subdivision1=region",)),
        # VARCHAR -> JSONB has no cast Prisma uses: dropped and added (the project's migration cast by hand).
        "11": Need(accept_data_loss=True, empty=("report",)),
        "12": Need(empty=("segment",)),
        "13": Need(accept_data_loss=True, allow_rebuild=True, rename_columns=("Segment.filters=parameters",)),  # VARCHAR(200) -> (50)
        "14": Need(accept_data_loss=True),  # website.share_id goes (the share table replaces it)
        "15": Need(allow_rebuild=True, rename_columns=("Share.share_code=slug",)),  # DSQL: VARCHAR(50) -> (100) rebuilds
        "17": Need(empty=("share",)),
        "18": Need(accept_data_loss=True),  # the performance table is not in this commit's schema
        "19": Need(accept_data_loss=True),  # board.slug goes
    },
    "hoppscotch": {
        "09": Need(empty=("TeamCollection", "TeamRequest")),
        "21": Need(accept_data_loss=True),  # InfraConfig.active goes
        "23": Need(allow_rebuild=True),  # DSQL: TIMESTAMP(3) -> TIMESTAMPTZ(3) in every table rebuilds them all
        "29": Need(empty=("PublishedDocs",)),
    },
    "epic-stack": {
        "06": Need(accept_data_loss=True, empty=("Verification",)),  # Verification redesigned for TOTP
        "09": Need(accept_data_loss=True, empty=("Permission", "Session")),  # images split by owner, permissions remodelled
        "11": Need(empty=("Verification",)),
        "13": Need(accept_data_loss=True, empty=("NoteImage", "UserImage")),  # images move to object storage
    },
}


#: Where the DSQL walk starts (from empty), to keep the whole walk near a minute: hoppscotch's 23 rebuilds every
#: table (TIMESTAMP -> TIMESTAMPTZ), which the local DSQL takes ~30 s over for all 29 versions.
DSQL_FROM = {"hoppscotch": "18"}


def versions(project: str, start: str = "") -> list[tuple[str, str]]:
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((HISTORIES / project).glob("*.prisma"))
            if p.stem >= start]


def options_for(project: str, target: str):
    def options(nn: str):
        need = NEEDS[project].get(f"{nn}@{target}", NEEDS[project].get(nn, Need()))
        return (PlanOptions(need.accept_data_loss, need.allow_rebuild),
                RenameHints.parse(need.rename_tables, need.rename_columns), need.empty)
    return options


@pytest.fixture(scope="module")
def local_dsql():
    with local_dsql_server.running(job_seconds=(0.01, 0.05)) as server:
        yield server


@pytest.mark.parametrize("project", sorted(NEEDS))
def test_history_walks_on_postgres(project, pg_database, tmp_path):
    steps = walk(pg_database, versions(project), profile_for("postgres"), tmp_path / "migrations",
                 options_for(project, "postgres"))
    assert [s.version for s in steps] == [nn for nn, _ in versions(project)]
    assert all(s.rows == 2 * s.tables for s in steps)
    # Every version but the ones that only change the client (cuid defaults, generator) made a migration.
    assert len(list((tmp_path / "migrations").glob("*/migration.sql"))) == sum(1 for s in steps if s.statements)


@pytest.mark.parametrize("project", sorted(NEEDS))
def test_history_walks_on_local_dsql(project, local_dsql, tmp_path):
    url = local_dsql.create_database(f"walk_{project.replace('-', '_')}")
    history = versions(project, DSQL_FROM.get(project, ""))
    steps = walk(url, history, dsql_profile(), tmp_path / "migrations", options_for(project, "dsql"))
    assert [s.version for s in steps] == [nn for nn, _ in history]
    assert all(s.rows == 2 * s.tables for s in steps)


def test_a_rebuild_keyed_by_a_uuid_copies_its_rows_on_local_dsql(local_dsql, tmp_path):
    """umami 12 -> 13 rebuilt `report` (key: UUID) on DSQL: the copy's batch start was `max(uuid)`, which
    PostgreSQL 16 does not have, so the step failed on the first row."""
    head = 'datasource db {\n  provider = "postgresql"\n}\n'
    old = head + 'model R {\n  id String @id @db.Uuid\n  t String @db.VarChar(200)\n}\n'
    new = old.replace("VarChar(200)", "VarChar(50)")
    url = local_dsql.create_database("uuid_rebuild")
    steps = walk(url, [("01", old), ("02", new), ("03", new.replace("VarChar(50)", "VarChar(40)"))],
                 dsql_profile(), tmp_path / "m",
                 lambda nn: (PlanOptions(accept_data_loss=True, allow_rebuild=True), RenameHints(), ()))
    assert [s.rows for s in steps] == [2, 2, 2] and steps[1].statements > 1
