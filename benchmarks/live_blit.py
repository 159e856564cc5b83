"""One week of a live chart: update + full ``savefig`` against update + blitted ``render_png``.

The same process, the same chart (the beer game's bullwhip picture, 720x288, a legend of
five lines, 20 weeks on a fixed x range), the median of ``--repeat`` weeks each way::

    PYTHONPATH=. python3 benchmarks/live_blit.py
"""

from __future__ import annotations

import argparse
import io
import statistics
import time


def _series(charts, week: int) -> list:
    x = list(range(1, week + 1))
    demand = [4 + 4 * (w > 4) for w in x]
    series = [charts.Series("end_demand", x, demand, "End demand", "black", linewidth=2.2, drawstyle="steps-mid",
                            zorder=3)]  # fmt: skip
    for i, level in enumerate(("Retailer", "Wholesaler", "Distributor", "Factory")):
        y = [4 + (w * (i + 2)) % (6 + 3 * i) for w in x]
        label = f"{level} orders"
        series.append(charts.Series(f"orders:{level}", x, y, label, charts.COLORS[i], drawstyle="steps-mid"))
    return series


def _week(charts, live, week: int, render) -> float:
    t0 = time.perf_counter()
    live.update(_series(charts, week), xlabel="Week", ylabel="Units per week")
    render(live)
    return time.perf_counter() - t0


def _savefig(live) -> bytes:
    from chansim.ui import charts

    buffer = io.BytesIO()
    with charts.font_context():
        live.figure.savefig(buffer, format="png", dpi=live.figure.dpi)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from chansim.ui import charts

    results = {}
    for name, render in (("savefig", _savefig), ("blit", lambda live: live.render_png())):
        live = charts.LiveChart(xlim=(0.5, args.repeat + 0.5))
        for week in range(1, 4):  # warm-up (fonts, caches)
            _week(charts, live, week, render)
        times = [_week(charts, live, week, render) for week in range(1, args.repeat + 1)]
        results[name] = statistics.median(times) * 1000
        extra = f" (full draws {live.full_draws}, blits {live.blits})" if name == "blit" else ""
        print(f"{name:8s} median {results[name]:6.1f} ms over {len(times)} weeks{extra}")
    print(f"speed-up {results['savefig'] / results['blit']:.1f}x")


if __name__ == "__main__":
    main()
