"""Every decision stored, every page resumable: the App's save/resume wiring on a Store in a temp SQLite file.

No browser: the apps are built as the notebooks build them, with ``trainee=`` and ``store=``
given (on the class server they come from the session cookie and ``$CHANSIM_STORE``).
"""

from __future__ import annotations

import pytest

from chansim.exercises.contract import jsonable
from chansim.store import StaleGameError, Store, StoreError
from chansim.ui.apps import beer_game, evaluation, order_desk, planning, recruitment, training
from tests.ui.conftest import click


@pytest.fixture
def store(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'class.db'}") as opened:
        yield opened


def play_weeks(app, *orders: str) -> None:
    for qty in orders:
        app.order_input.value = qty
        click(app, app.controls.advance)


def same_game(a, b) -> None:
    assert b.exercise.round == a.exercise.round
    assert jsonable(b.exercise.state()) == jsonable(a.exercise.state())
    sa, sb = a.exercise.score(), b.exercise.score()
    assert (sa.value == sb.value) or (sa.value != sa.value and sb.value != sb.value)  # NaN before any round


def test_a_new_page_of_the_same_trainee_resumes_the_same_round_and_numbers(store) -> None:
    ann = store.join("Ann")
    first = beer_game.app("en_US", trainee=ann, store=store)
    assert first.saved.state == "saved" and first.record is not None
    play_weeks(first, "4", "8", "12")
    assert first.saved.text == "Playing as Ann · saved ✓ round 3"
    stored = store.game(first.record.id, ann)
    assert stored.round == 3 and [d["order"] for d in stored.log["decisions"]] == [4, 8, 12]

    again = beer_game.app("en_US", trainee=store.trainee(ann.key), store=store)  # a reload: the cookie's trainee
    assert again.record.id == first.record.id
    same_game(first, again)
    assert again.notice.text == "Resumed your game: round 4 of 36."
    assert again.controls.counter.value.count("Round 4 of 36") == 1
    assert jsonable(again.kpis.values) == jsonable(first.kpis.values)


def test_the_page_says_saved_only_after_the_store_committed(store, monkeypatch) -> None:
    ann = store.join("Ann")
    page = beer_game.app("en_US", trainee=ann, store=store)
    seen = []
    real = store.save

    def save(*args, **kwargs):
        seen.append(page.saved.text)  # what the page said while the save ran
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "save", save)
    play_weeks(page, "5")
    assert seen == ["Playing as Ann · saved ✓ round 0"]
    assert page.saved.text == "Playing as Ann · saved ✓ round 1"


def test_a_double_click_and_a_second_tab_never_record_a_round_twice(store) -> None:
    ann = store.join("Ann")
    tab1 = beer_game.app("en_US", trainee=ann, store=store)
    tab2 = beer_game.app("en_US", trainee=ann, store=store)
    assert tab2.record.id == tab1.record.id
    tab1.order_input.value = "4"
    tab1.busy.acknowledge()
    tab1.controls.advance.click()
    tab1.controls.advance.click()  # the second half of a double click: dropped
    assert store.decisions(tab1.record.id, ann) == [{"order": 4.0, "source": "trainee"}]
    play_weeks(tab2, "9")  # tab 2 still shows week 1: its decision is not recorded
    assert tab2.saved.state == "stale" and "another tab" in tab2.notice.text
    assert store.decisions(tab1.record.id, ann) == [{"order": 4.0, "source": "trainee"}]
    same_game(tab1, tab2)  # tab 2 now shows the stored game
    play_weeks(tab2, "9")  # and goes on from it
    assert [d["order"] for d in store.decisions(tab1.record.id, ann)] == [4, 9]
    with pytest.raises(StaleGameError):  # the store itself refuses a resent save
        store.save(tab1.record.id, ann, tab1.exercise.to_log(), revision=tab1.record.revision, round=1,
                   finished=False)  # fmt: skip


def test_another_trainee_cannot_open_the_game(store) -> None:
    ann, bob = store.join("Ann"), store.join("Bob")
    mine = beer_game.app("en_US", trainee=ann, store=store)
    play_weeks(mine, "7", "7")
    theirs = beer_game.app("en_US", trainee=bob, store=store, game=mine.record.id)
    assert theirs.notice.text == f"No such game ({mine.record.id}): your own game is shown."
    assert theirs.record.id != mine.record.id and theirs.exercise.round == 0
    assert theirs.exercise.played_decisions() == []
    with pytest.raises(StoreError, match="no such game"):
        store.game(mine.record.id, bob)


def test_game_query_opens_that_game_even_when_finished_or_older(store) -> None:
    ann = store.join("Ann")
    old = beer_game.app("en_US", trainee=ann, store=store, horizon_weeks=2)
    play_weeks(old, "3", "3")
    assert old.exercise.finished and store.game(old.record.id, ann).finished
    fresh = beer_game.app("en_US", trainee=ann, store=store, horizon_weeks=2)
    assert fresh.record.id != old.record.id and fresh.exercise.round == 0  # no unfinished game: a new one
    view = beer_game.app("en_US", trainee=ann, store=store, game=old.record.id)
    assert view.record.id == old.record.id and view.exercise.finished
    same_game(old, view)


def test_undo_and_reset_are_stored_and_resumed(store) -> None:
    ann = store.join("Ann")
    page = beer_game.app("en_US", trainee=ann, store=store)
    play_weeks(page, "4", "8", "12")
    click(page, page.controls.undo)
    assert page.saved.text == "Playing as Ann · saved ✓ round 2"
    again = beer_game.app("en_US", trainee=ann, store=store)
    same_game(page, again)
    assert [d["order"] for d in again.exercise.played_decisions()] == [4, 8]
    click(page, page.controls.reset)
    assert beer_game.app("en_US", trainee=ann, store=store).exercise.round == 0


def test_undo_replaces_the_game_in_the_list_and_the_old_url_resumes_the_new_one(store) -> None:
    ann = store.join("Ann")
    page = beer_game.app("en_US", trainee=ann, store=store)
    play_weeks(page, "4", "8", "12")
    old = page.record.id
    click(page, page.controls.undo)
    new = page.record.id
    assert new != old and page.saved.text == "Playing as Ann · saved ✓ round 2"
    assert [g.id for g in store.games(ann)] == [new]  # one game in the trainee's list, not two
    assert store.game(old, ann).replaced_by == new  # the longer game is kept, marked replaced
    assert [d["order"] for d in store.decisions(old, ann)] == [4, 8, 12]
    play_weeks(page, "6")  # the new game goes on with plain saves
    assert [d["order"] for d in store.decisions(new, ann)] == [4, 8, 6]
    click(page, page.controls.reset)
    newest = page.record.id
    assert [g.id for g in store.games(ann)] == [newest] and store.game(new, ann).replaced_by == newest
    play_weeks(page, "5")
    reload = beer_game.app("en_US", trainee=ann, store=store, game=old)  # ?game= of the first id: the live game
    assert reload.record.id == newest and [d["order"] for d in reload.exercise.played_decisions()] == [5]
    same_game(page, reload)
    assert reload.notice.text == (
        f"The game {old} was replaced after an undo or reset; its newer game is shown: round 2 of 36."
    )
    play_weeks(reload, "7")  # and it saves on the live game
    assert [d["order"] for d in store.decisions(newest, ann)] == [5, 7]


def test_an_undo_in_a_stale_tab_is_not_recorded_and_shows_the_live_game(store) -> None:
    ann = store.join("Ann")
    tab1 = beer_game.app("en_US", trainee=ann, store=store)
    play_weeks(tab1, "4", "8")
    tab2 = beer_game.app("en_US", trainee=ann, store=store)
    click(tab1, tab1.controls.undo)  # tab 1 replaces the game
    click(tab2, tab2.controls.undo)  # tab 2 still has the old game: its undo is stale
    assert tab2.saved.state == "stale" and tab2.record.id == tab1.record.id
    assert len(store.games(ann)) == 1 and len(store.games(ann, include_replaced=True)) == 2


def test_autoplay_and_a_new_role_are_stored(store) -> None:
    ann = store.join("Ann")
    page = beer_game.app("en_US", trainee=ann, store=store)
    page.controls.autoplay_weeks.value = "3"
    click(page, page.controls.autoplay)
    assert page.saved.text == "Playing as Ann · saved ✓ round 3"
    page.role_picker.value = "factory"
    click(page, page.start)  # a new game of another role: stored as a new game
    play_weeks(page, "6")
    again = beer_game.app("en_US", trainee=ann, store=store)
    assert again.exercise.role == "factory" and again.role_picker.value == "factory"
    same_game(page, again)
    assert len(store.games(ann, "beer-game")) == 2


def test_new_game_button_keeps_the_old_game(store) -> None:
    ann = store.join("Ann")
    page = order_desk.app("en_US", trainee=ann, store=store)
    assert page.new_game_button.layout.display == ""
    click(page, page.controls.autoplay)
    old = page.record.id
    click(page, page.new_game_button)
    assert page.record.id != old and page.exercise.round == 0
    assert store.game(old, ann).round == 4


def test_without_a_trainee_the_game_plays_and_says_not_saved(store) -> None:
    page = beer_game.app("en_US")
    assert page.store is None and page.saved.state == "local"
    assert page.saved.text == "not saved — give your name on the home page"
    assert page.new_game_button.layout.display == "none"
    play_weeks(page, "4")
    assert page.exercise.round == 1 and page.saved.state == "local"
    assert store.count()["games"] == 0


def test_a_store_failure_lets_the_game_go_on_unsaved_and_says_so(store, monkeypatch) -> None:
    ann = store.join("Ann")
    page = beer_game.app("en_US", trainee=ann, store=store)

    def broken(*args, **kwargs):
        raise StoreError("the store /tmp/x.db is locked by another program")

    monkeypatch.setattr(store, "save", broken)
    play_weeks(page, "4")
    assert page.exercise.round == 1 and page.saved.state == "failed"
    assert "NOT saved (the store /tmp/x.db is locked" in page.saved.text
    assert page.notice.text == "Week 1: you ordered 4 cases."
    monkeypatch.undo()
    play_weeks(page, "5")  # the store is back: both weeks are stored
    assert page.saved.state == "saved"
    assert [d["order"] for d in store.decisions(page.record.id, ann)] == [4, 5]


def test_csv_names_and_columns_carry_the_trainee(store) -> None:
    ann = store.join("=Ann / Lee")
    page = beer_game.app("en_US", trainee=ann, store=store)
    play_weeks(page, "4", "4")
    name = page.download.filename
    assert name.startswith("chansim-beer-game-retailer-classic-seed0-ann-lee-game-")
    assert name.endswith("-round-2.csv") and "/" not in name and "=" not in name
    head, first = page.download.csv.splitlines()[:2]
    assert head.startswith("trainee,game,")
    assert first.startswith(f"'=Ann / Lee,{page.record.id},")  # a name is data, never a spreadsheet formula


def _step(app) -> None:
    """One round of the standard process, as a step of the page (its custom verbs end the same way)."""
    app.busy.acknowledge()
    app.busy.run(lambda: app.exercise.play_round(app.exercise.default_decision()))
    app.refresh()


@pytest.mark.parametrize(
    ("module", "options"),
    [
        (planning, {}),
        (training, {}),
        (order_desk, {}),
        (evaluation, {}),
        (recruitment, {"reveal_days": 120, "rounds": 2}),
    ],
    ids=["planning", "training", "order_desk", "evaluation", "recruitment"],
)
def test_every_exercise_resumes(store, module, options) -> None:
    ann = store.join("Ann")
    first = module.app("en_US", trainee=ann, store=store, **options)
    _step(first)
    assert first.saved.state == "saved" and store.game(first.record.id, ann).round == 1
    again = module.app("en_US", trainee=ann, store=store, **options)
    assert again.record.id == first.record.id
    same_game(first, again)
    if hasattr(first, "kpis"):
        assert jsonable(again.kpis.values) == jsonable(first.kpis.values)
