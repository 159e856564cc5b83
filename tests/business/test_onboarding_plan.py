"""PartnerBook.plan_onboarding: a candidate's own onboarding days (the recruitment exercise varies them)."""

from __future__ import annotations

import numpy as np
import pytest

from chansim.business.partners import PartnerBook
from chansim.config.partners import PartnersConfig, Recruitment


def test_planned_onboarding_days_replace_the_configs_for_that_candidate_only() -> None:
    book = PartnerBook(PartnersConfig(recruitment=Recruitment(onboarding_days=30, ramp_up_days=0)))
    first, second, third = book.generate_candidates(np.random.default_rng(0), None, "west", 3)
    book.plan_onboarding(first.name, 12)
    book.plan_onboarding(third.name, 0)
    book.recruit([first.name, second.name, third.name], day=5)
    assert [book[c.name].onboarding_days for c in (first, second, third)] == [12, 30, 0]
    assert book[third.name].status == "active"  # 0 days: active at once
    assert book.update_statuses(16) == [] and book.update_statuses(17) == [first.name]
    assert book.update_statuses(35) == [second.name]
    with pytest.raises(ValueError, match="must be >= 0"):
        book.plan_onboarding(second.name, -1)
