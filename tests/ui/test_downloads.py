"""After one step every app offers its results as a CSV named chansim-<exercise>-...-seed<N>.csv."""

from __future__ import annotations

import csv
import importlib
import io
import re

import pytest

from tests.ui.conftest import click


def _beer(page):
    page.order_input.value = 4
    click(page, page.controls.advance)


def _recruit(page):
    click(page, page.rank_button)
    ranking = page.exercise.ranking()
    wanted = set(ranking[ranking["region_rank"] <= page.exercise.picks_per_region]["applicant"])
    for name, box in zip(page.view["names"], page.checks, strict=False):
        box.value = name in wanted
    click(page, page.reveal_button)


STEPS = {
    "beer_game": _beer,
    "order_desk": lambda p: click(p, p.controls.advance),
    "training": lambda p: click(p, p.controls.advance),
    "evaluation": lambda p: click(p, p.controls.advance),
    "planning": lambda p: click(p, p.simulate),
    "recruitment": _recruit,
}


@pytest.mark.parametrize("name", sorted(STEPS))
def test_one_step_gives_a_named_csv_with_the_seed(name):
    page = importlib.import_module(f"chansim.ui.apps.{name}").app("en_US", seed=3)
    STEPS[name](page)
    assert page.notice.level != "error", page.notice.text
    exercise = name.replace("_", "-")
    assert re.fullmatch(rf"chansim-{exercise}-(.+-)?seed3\.csv", page.download.filename), page.download.filename
    rows = list(csv.DictReader(io.StringIO(page.download.csv)))
    assert rows and "seed" in rows[0] and {row["seed"] for row in rows} == {"3"}
