"""Data as data: the exercises' scenarios and the generator's tables are package data files, the
bundled scenarios run by name, and what the files hold is what the Python constants held before.

The digests below were taken from the YAML strings and Python tables of ``chansim`` before they
moved into ``chansim/data/`` (commit 22ca1a5): the raw documents (before validation, so a schema
change elsewhere does not move them) and the generator's tables, exactly.
"""

from __future__ import annotations

import hashlib
import json
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from chansim import generate
from chansim.cli import cli
from chansim.exercises import beer_game, evaluation, order_desk, training
from chansim.io import (
    ScenarioError,
    bundled_folder,
    bundled_scenarios,
    find_scenario,
    load_package_document,
    load_scenario,
    read_yaml,
)  # fmt: skip

ROOT = Path(__file__).resolve().parents[1]

DOCUMENT_DIGESTS = {
    "training": "d7c7fe005c0982cfbf721fdfec9e0f854f337c805f77c36218e43663b1321911",
    "order-desk": "ec7c2c42f1e3777fc15c5533dae7b86b3bc34b15fe366db1617e1ec44ea043fd",
    "evaluation": "4bfbf566a2fa18a031c7fc06ca66aad64516c7318bd301b0e9bc55498f7af438",
}
TABLES_DIGEST = "341695b0635007db3d3e97ec10ee68736e92f31b07793c58ae272df9b4ef497a"


def _digest(document: object) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


@pytest.mark.parametrize("name", sorted(DOCUMENT_DIGESTS))
def test_exercise_scenario_files_hold_the_documents_of_the_former_strings(name: str) -> None:
    assert _digest(load_package_document(f"exercises/{name}.yaml")) == DOCUMENT_DIGESTS[name]


def test_the_exercise_constants_are_the_package_files() -> None:
    data = files("chansim") / "data" / "exercises"
    assert training.TRAINING_YAML == (data / "training.yaml").read_text(encoding="utf-8")
    assert order_desk.ORDER_DESK_YAML == (data / "order-desk.yaml").read_text(encoding="utf-8")
    assert evaluation.EVALUATION_YAML == (data / "evaluation.yaml").read_text(encoding="utf-8")


def test_no_scenario_yaml_is_left_inside_python_files() -> None:
    for path in (ROOT / "chansim").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "\nnodes:\n  - name:" not in text and "\nskus:\n  - {name:" not in text, path


def test_the_generator_tables_are_those_of_before() -> None:
    tables = (
        generate.GEOGRAPHY, generate.FAMILIES, generate.SERIES, generate.FESTIVALS, generate.WEEKDAY_PATTERN,
        generate.DEALER_WORDS, generate.DISTRIBUTOR_WORDS, generate.VENDOR_WORDS,
    )  # fmt: skip
    assert hashlib.sha256(repr(tables).encode()).hexdigest() == TABLES_DIGEST
    assert [len(level) for level in generate.GEOGRAPHY["en_US"]] == [5, 9, 50]
    assert [len(level) for level in generate.GEOGRAPHY["zh_CN"]] == [7, 31, 50]


def test_the_exercise_loaders_validate_the_files() -> None:
    assert training.training_scenario().name == "training-funnel"
    assert order_desk.order_desk_scenario(horizon_weeks=3).horizon_days == 21
    assert evaluation.evaluation_scenario().name == "evaluation"


def test_the_beer_game_is_the_bundled_file_and_its_random_variant() -> None:
    shipped = load_scenario(bundled_scenarios()["beer-game"])
    assert beer_game.beer_game_scenario() == shipped
    random = beer_game.beer_game_scenario("random", horizon_weeks=20)
    assert random.name == "beer-game-random" and random.horizon_days == 140
    (stream,) = random.markets[0].demand
    assert stream.distribution.type == "poisson" and stream.distribution.mean == 4
    assert stream.shocks == shipped.markets[0].demand[0].shocks
    assert random.nodes == shipped.nodes


def test_bundled_folders_are_the_checkout_folders_here() -> None:
    # in a checkout (editable install or PYTHONPATH) the top-level folders; tests/test_wheel.py checks the wheel
    assert bundled_folder("scenarios") == ROOT / "scenarios"
    assert bundled_folder("notebooks") == ROOT / "notebooks"
    assert list(bundled_scenarios()) == sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def test_find_scenario_prefers_a_path_then_a_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_scenario("beer-game") == ROOT / "scenarios" / "beer-game.yaml"
    (tmp_path / "beer-game").write_text("name: mine\n", encoding="utf-8")
    assert find_scenario("beer-game") == Path("beer-game")  # a file the user has wins
    with pytest.raises(ScenarioError, match="not the name of a bundled scenario; bundled: beer-game, single-stage"):
        find_scenario("beer-gaem")


def test_run_and_validate_take_a_bundled_name() -> None:
    done = CliRunner().invoke(cli, ["run", "beer-game", "--format", "json", "-q"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["scenario"] == "beer-game"
    checked = CliRunner().invoke(cli, ["validate", "single-stage", "supply-disruption"])
    assert checked.exit_code == 0, checked.output
    assert "single-stage: ok" in checked.output


def test_an_unknown_name_exits_2_listing_the_bundled_names() -> None:
    done = CliRunner().invoke(cli, ["run", "beer-gaem"])
    assert done.exit_code == 2
    assert "beer-gaem" in done.output and "no such file" in done.output
    for name in bundled_scenarios():
        assert name in done.output
    assert "Traceback" not in done.output


def test_scenarios_lists_every_bundled_scenario_with_a_one_line_description() -> None:
    done = CliRunner().invoke(cli, ["scenarios"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert [line.split()[0] for line in lines] == list(bundled_scenarios())
    for line, path in zip(lines, bundled_scenarios().values(), strict=True):
        description = line.split(maxsplit=1)[1]
        first_words = " ".join(read_yaml(path.read_text(encoding="utf-8"))["description"].split())[:15]
        assert description.startswith(first_words) and len(description) <= 100
    paths = CliRunner().invoke(cli, ["scenarios", "--paths"])
    assert str(ROOT / "scenarios" / "beer-game.yaml") in paths.output
