"""The ``business`` section's configuration, kept here for old imports: it lives in
:mod:`chansim.config.business` (the scenario layer).
"""

from chansim.config.business import (
    Business,
    ChannelConflict,
    MdfRequestPlan,
    PricePromotion,
    RecruitmentRound,
    business_problems,
)

__all__ = [
    "Business", "ChannelConflict", "MdfRequestPlan", "PricePromotion", "RecruitmentRound", "business_problems",
]  # fmt: skip
