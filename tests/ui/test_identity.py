"""The trainee identity in the pages (no browser): the home page's join form and games, the cookie, escaping."""

from __future__ import annotations

import pytest

from chansim.store import Store
from chansim.ui.apps import base, beer_game, home, order_desk
from tests.ui.conftest import click

XSS = '<img src=x onerror=alert(1)>"'


@pytest.fixture
def store(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'class.db'}") as opened:
        yield opened


@pytest.fixture
def served(monkeypatch, store):
    """The environment of a Voilà kernel of `chansim serve --store`: SERVER_SOFTWARE, the query, the store URL."""
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setenv("QUERY_STRING", "lang=en_US")
    monkeypatch.setenv("CHANSIM_STORE", store.url)
    monkeypatch.delenv("HTTP_COOKIE", raising=False)
    return monkeypatch


def test_plain_notebook_home_is_as_before(monkeypatch) -> None:
    for name in ("SERVER_SOFTWARE", "HTTP_COOKIE", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    page = home.app("en_US")
    assert page.store is None and page.trainee is None and page.identity_html.value == ""
    assert "Open the exercise" in page.body_html.value


def test_served_home_without_a_cookie_shows_the_join_form(served) -> None:
    page = home.app("zh_CN")
    form = page.identity_html.value
    assert 'action="../../chansim/join"' in form and 'method="post"' in form
    assert 'name="name"' in form and 'name="pin"' in form and 'name="workshop"' in form
    assert '<input type="hidden" name="lang" value="zh_CN">' in form
    assert "加入" in form and "chansim-join-error" not in form


@pytest.mark.parametrize(("query", "shown"), [("join_error=pin", "Wrong PIN"), (f"join_error={XSS}", None)])
def test_a_join_error_is_a_catalogue_message_never_the_query(served, query, shown) -> None:
    served.setenv("QUERY_STRING", f"lang=en_US&{query}")
    form = home.app("en_US").identity_html.value
    assert "<img" not in form and "onerror" not in form
    if shown is None:
        assert "chansim-join-error" not in form
    else:
        assert shown in form


def test_the_cookie_makes_the_home_page_list_this_trainees_games_only(served, store) -> None:
    ann, bob = store.join(XSS), store.join("Bob")
    mine = beer_game.app("en_US", trainee=ann, store=store)
    mine.order_input.value = "4"
    click(mine, mine.controls.advance)
    finished = order_desk.app("en_US", trainee=ann, store=store, horizon_weeks=1)
    click(finished, finished.controls.advance)
    theirs = beer_game.app("en_US", trainee=bob, store=store)
    served.setenv("HTTP_COOKIE", f"_xsrf=abc; chansim_trainee={ann.key}")
    page = home.app("en_US")
    who = page.identity_html.value
    assert "Playing as &lt;img src=x onerror=alert(1)&gt;&quot;" in who and "<img" not in who
    assert 'action="../../chansim/leave"' in who
    assert f'data-game="{mine.record.id}"' in who and f'data-game="{finished.record.id}"' in who
    assert theirs.record.id not in who and theirs.record.id not in page.body_html.value
    assert "1 of 36" in who and "in progress" in who and "finished" in who
    assert f"05-beer-game.ipynb?lang=en_US&amp;game={mine.record.id}" in who  # Resume
    assert "Continue round 2" in page.body_html.value  # the beer game's card continues the game
    page.lang.code = "zh_CN"
    assert "我的游戏" in page.identity_html.value and "继续第 2 回合" in page.body_html.value


def test_an_exercise_page_reads_the_trainee_from_the_cookie(served, store) -> None:
    ann = store.join("Ann")
    served.setenv("HTTP_COOKIE", f"chansim_trainee={ann.key}")
    first = beer_game.app("en_US")
    assert first.trainee is not None and first.trainee.name == "Ann" and first.saved.state == "saved"
    first.order_input.value = "4"
    click(first, first.controls.advance)
    served.setenv("QUERY_STRING", f"lang=en_US&game={first.record.id}")
    again = beer_game.app("en_US")
    assert again.record.id == first.record.id and again.exercise.round == 1


def test_an_unknown_or_forged_cookie_plays_unsaved(served, store) -> None:
    served.setenv("HTTP_COOKIE", "chansim_trainee=" + "x" * 43)
    page = beer_game.app("en_US")
    assert page.trainee is None and page.saved.state == "local"
    served.setenv("HTTP_COOKIE", 'chansim_trainee="<script>"')
    assert beer_game.app("en_US").saved.state == "local"
    assert store.count()["games"] == 0


def test_app_trainee_by_name_in_a_plain_notebook(store) -> None:
    page = beer_game.app("en_US", trainee="Cleo", store=store)
    assert page.saved.text == "Playing as Cleo · saved ✓ round 0"
    listed = home.app("en_US", trainee=page.trainee, store=store)
    assert "Playing as Cleo" in listed.identity_html.value
    assert "Leave" not in listed.identity_html.value  # no server to post to


def test_a_store_that_cannot_open_is_said_and_the_game_plays(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "not-a-db.db"
    bad.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("CHANSIM_STORE", f"sqlite:///{bad}")
    page = beer_game.app("en_US", trainee="Ann")
    assert page.store is None and page.saved.state == "failed"
    assert "The store cannot be opened" in page.notice.text
    page.order_input.value = "4"
    click(page, page.controls.advance)
    assert page.exercise.round == 1 and bad.read_bytes().startswith(b"this is not a database")


def test_find_trainee_opens_no_store_without_identity(monkeypatch) -> None:
    monkeypatch.delenv("HTTP_COOKIE", raising=False)
    monkeypatch.setenv("CHANSIM_STORE", "sqlite:////nonexistent-dir/never.db")
    assert base.find_trainee() == (None, None, None)
