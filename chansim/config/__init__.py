"""The configuration of a scenario's business section, as frozen pydantic models (scenario layer).

``base`` holds the primitives every configuration shares (names, money, distributions);
``funnel``, ``partners``, ``order_to_cash`` and ``incentives`` the parts of ``business``, and
``business`` the section itself. Nothing here runs a simulation: the business layer
(:mod:`chansim.business`) does, from these models.
"""
