"""Planning an import of jurisdictions from rows shaped like jurisdictions.csv."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from workflows.imports import ImportPlan, plan_jurisdictions

DATA = Path(__file__).resolve().parents[2] / "data" / "jurisdictions.csv"
HEADER = "id,name,kind,state,first_letter,aliases\n"


def plan_text(text: str, taken: set[str] | None = None) -> ImportPlan:
    reader = csv.DictReader(io.StringIO(text))
    return plan_jurisdictions(reader.fieldnames or [], reader, taken or set())


def error_lines(plan: ImportPlan) -> list[int]:
    return [int(error.split(":")[0].removeprefix("line ")) for error in plan.errors]


def test_the_projects_jurisdictions_plan_cleanly() -> None:
    plan = plan_text(DATA.read_text(encoding="utf-8"))
    assert plan.errors == []
    assert len(plan.jurisdictions) == 38
    by_id = {j.id: j for j in plan.jurisdictions}
    assert len(by_id) == 38
    assert (by_id["chicago"].name, by_id["chicago"].us_state) == ("Chicago, IL", "IL")
    assert by_id["new-york-city"].aliases == ("nyc",)
    assert by_id["washington-dc"].us_state == "DC"
    assert by_id["denver"].kind == "city-county"
    assert all(j.state == "new" for j in plan.jurisdictions)


def test_the_projects_jurisdictions_clash_with_taken_keys() -> None:
    plan = plan_text(DATA.read_text(encoding="utf-8"), taken={"chicago", "sf"})
    assert len(plan.errors) == 2
    assert error_lines(plan) == [3, 29]  # chicago; san-francisco (alias sf)
    assert "“chicago”" in plan.errors[0] and "“sf”" in plan.errors[1]


def test_every_bad_line_is_reported_with_its_line_number() -> None:
    text = HEADER + (
        "chicago,\"Chicago, IL\",city,IL,2017-04-21,\n"  # 2: fine
        "nameless,,city,IL,2017-04-21,\n"  # 3: missing name
        "atlantis,Atlantis,city,ZZ,2017-04-21,\n"  # 4: bad state code
        "chicago,\"Chicago again\",city,IL,2017-04-21,\n"  # 5: duplicate id
        "Not An Id,Somewhere,city,IL,2017-04-21,\n"  # 6: bad id
        "springfield,\"Springfield, IL\",city,il,2017-11-15,spfld;chi-town\n"  # 7: fine
        "windy,Windy,city,IL,2017-11-15,chi-town\n"  # 8: alias taken on line 7
        "gotham,Gotham,city,NY,2017-11-15,\"bad alias\"\n"  # 9: bad alias
        "lawrence,\"Lawrence, MA\",city,MA,2017-11-15,\n"  # 10: fine
    )
    plan = plan_text(text)
    assert error_lines(plan) == [3, 4, 5, 6, 8, 9]
    assert "name" in plan.errors[0]
    assert "ZZ" in plan.errors[1]
    assert "“chicago”" in plan.errors[2]
    assert "Not An Id" in plan.errors[3]
    assert "“chi-town”" in plan.errors[4]
    assert [j.id for j in plan.jurisdictions] == ["chicago", "springfield", "lawrence"]
    assert plan.jurisdictions[1].aliases == ("spfld", "chi-town")
    assert plan.jurisdictions[1].us_state == "IL"


def test_a_missing_column_is_reported_on_line_one() -> None:
    plan = plan_text("id,kind,state\nchicago,city,IL\n")
    assert error_lines(plan) == [1]
    assert "name" in plan.errors[0]
    assert plan.jurisdictions == []


def test_ids_and_aliases_already_taken_are_reported() -> None:
    plan = plan_text(HEADER + "chicago,\"Chicago, IL\",city,IL,,\nnyc2,NYC,city,NY,,nyc\n",
                     taken={"chicago", "nyc"})
    assert error_lines(plan) == [2, 3]
    assert plan.jurisdictions == []
