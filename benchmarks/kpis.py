"""KPIs of one run: the numpy path (``chansim.metrics.kpis``) against the former pandas one.

The pandas implementation is kept in ``tests/kpi_reference.py`` as the oracle of
``tests/test_metrics_fast.py``; here both are timed in the same process on the tables a
round step asks KPIs of (a beer game and an order desk after 9 weeks) and on a bundled
scenario's 200 days. Prints milliseconds per call (median) and the ratio.

Run: ``python benchmarks/kpis.py`` (``--repeat N``).
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def _games():
    import chansim
    from chansim.exercises.beer_game import BeerGame
    from chansim.exercises.order_desk import OrderDesk

    for make in (BeerGame, OrderDesk):
        game = make(seed=0)
        for _ in range(9):
            for node, sku in game.controlled:
                game.decide(node, sku, game.suggestion(node, sku))
            game.play_round()
        yield f"{make.__name__} after 9 weeks", game.result()
    scenario = chansim.load_scenario(ROOT / "scenarios" / "two-tier-regional.yaml")
    yield "two-tier-regional, 200 days", chansim.run(scenario, seed=7, days=200)


def _median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    import kpi_reference

    from chansim.metrics import kpis

    print("kpis() per call, median ms (tables already built; same process)")
    for name, result in _games():
        result.levels, result.orders, result.money  # noqa: B018 -- build the tables outside the timing
        old = _median_ms(lambda r=result: kpi_reference.kpis(r, warmup_days=0), args.repeat)
        new = _median_ms(lambda r=result: kpis(r, warmup_days=0), args.repeat)
        print(f"  {name:<30} pandas {old:7.1f} ms   numpy {new:6.1f} ms   ratio {old / new:5.1f}x")


if __name__ == "__main__":
    main()
