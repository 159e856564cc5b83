"""Faker-based generator of realistic channel scenarios (``chansim generate``).

A generated scenario has one vendor (a manufacturer with its own plant), distributors
spread over real sales regions of the chosen locale (US census regions, divisions or
states; Chinese macro-regions, provinces or cities), dealers in real cities of their
region, one end-customer market per dealer, and a consumer-electronics and appliance
range. Partner size (small, medium, large) and SKU popularity drive demand; SKU
families carry yearly seasonality and national shopping festivals (Black Friday, 618,
Double 11, ...). Stocking policies are sized from mean demand over lead time plus
review period, with safety stock, so a run shows fill rates of roughly 90-99%.

Randomness: one ``faker.Faker(locale)`` per call seeded with ``seed_instance`` for
names, contacts and phone numbers, and the numpy stream
``chansim.rng.stream(seed, 0, "generator")`` for every number. No global random state
is touched, so the same options always give the same scenario (and the same YAML).

With ``business=True`` (``chansim generate --business``) the scenario also gets a
``business`` section sized from the generated channel (see :func:`_business`): partner
tiers, credit limits and terms, an approval path, a volume rebate and a target
commission, project leads per region, training sessions and churn and insolvency
settings. Its numbers come from a stream of their own (``"generator/business"``), so
everything else is the same as without the flag.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import numpy as np
from faker import Faker
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chansim import scenario as sc
from chansim.business.config import RecruitmentRound
from chansim.io import load_package_document
from chansim.rng import stream

__all__ = [
    "GeneratorOptions",
    "generate_scenario",
    "partner_names",
    "place_name",
    "CATALOGUE_SIZE",
    "MAX_DEMAND_STREAMS",
]

Locale = Literal["en_US", "zh_CN"]

#: Most demand streams (dealers x SKUs) a generated scenario may have: at about 0.45 kB a
#: stream in YAML (20,000 streams: 8.7 MB) this keeps files under the 10 MiB that
#: ``chansim.io.load_scenario`` reads (``chansim generate`` also checks the written size).
MAX_DEMAND_STREAMS = 20_000
#: Promotions are planned for at most this many years of the horizon.
MAX_PROMOTION_YEARS = 5
#: Day 0 of a generated scenario: the schema's default ``start_date``. The engine counts
#: weekly seasonality from day 0, so weekday patterns are rotated to this date's weekday.
START_DATE: _dt.date = sc.Scenario.model_fields["start_date"].default


# --------------------------------------------------------------------------- options


class GeneratorOptions(BaseModel):
    """What to generate; invalid values raise ``ValueError`` naming the option."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)]
    locale: Locale = "en_US"
    regions: Annotated[int, Field(strict=True, ge=1, le=50)] = 3
    distributors: Annotated[int, Field(strict=True, ge=0, le=500)] | None = None
    dealers_per_distributor: Annotated[int, Field(strict=True, ge=1, le=500)] = 4
    skus: Annotated[int, Field(strict=True, ge=1, le=200)] = 3
    days: Annotated[int, Field(strict=True, ge=7, le=sc.MAX_DAYS)] = 365
    name: Annotated[str, Field(pattern=sc.NAME_PATTERN)] | None = None
    business: Annotated[bool, Field(strict=True)] = False
    applicants: Annotated[int, Field(strict=True, ge=0, le=50)] = 0

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ValueError("invalid generator options: " + "; ".join(_describe(exc))) from None

    @property
    def distributor_count(self) -> int:
        """Distributors to generate (one per region unless given; 0 for a 1-tier channel)."""
        return self.regions if self.distributors is None else self.distributors

    @property
    def dealer_count(self) -> int:
        """Dealers to generate: per distributor, or per region in a 1-tier channel."""
        tiers_above = self.distributor_count or self.regions
        return tiers_above * self.dealers_per_distributor

    @property
    def scenario_name(self) -> str:
        """The scenario's name: ``name`` or ``generated-<seed>``."""
        return self.name if self.name is not None else f"generated-{self.seed}"

    @property
    def command(self) -> str:
        """The ``chansim generate`` command line that makes this scenario (without ``--out``)."""
        return (
            f"chansim generate --seed {self.seed} --locale {self.locale} --regions {self.regions} "
            f"--distributors {self.distributor_count} "
            f"--dealers-per-distributor {self.dealers_per_distributor} --skus {self.skus} "
            f"--days {self.days} --name {self.scenario_name}"
            + (" --business" if self.business else "")
            + (f" --applicants {self.applicants}" if self.applicants else "")
        )

    @model_validator(mode="after")
    def _fits_the_schema(self) -> GeneratorOptions:
        if self.applicants and not self.business:
            raise ValueError("applicants: applicant dealers need a business section; add --business")
        nodes = 1 + self.distributor_count + self.dealer_count + self.applicants * self.regions
        per = (
            "distributors x dealers_per_distributor"
            if self.distributor_count
            else ("regions x dealers_per_distributor (1-tier)")
        )
        if nodes > 5000:
            raise ValueError(
                f"distributors, dealers_per_distributor: {per} gives {self.dealer_count} dealers "
                f"({nodes} nodes); a scenario holds at most 5000 nodes"
            )
        streams = self.dealer_count * self.skus
        if streams > MAX_DEMAND_STREAMS:
            raise ValueError(
                f"skus, dealers_per_distributor: {self.dealer_count} dealers x {self.skus} skus "
                f"= {streams} demand streams; at most {MAX_DEMAND_STREAMS} are allowed"
            )
        return self


def _describe(exc: ValidationError) -> list[str]:
    """One ``option: problem (got value)`` line per pydantic error."""
    lines = []
    for err in exc.errors(include_url=False):
        option = ".".join(str(p) for p in err["loc"] if not str(p).startswith("constrained"))
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            allowed = ", ".join(GeneratorOptions.model_fields)
            lines.append(f"{option}: unknown option (allowed: {allowed})")
        elif not option:
            lines.append(msg)
        elif err["type"] == "missing":
            lines.append(f"{option}: required")
        else:
            lines.append(f"{option}: {msg} (got {err.get('input')!r})")
    return list(dict.fromkeys(lines))


# --------------------------------------------------------------------------- geography


@dataclass(frozen=True)
class RegionSpec:
    """A sales region: identifier, local name, and its cities (largest first)."""

    name: str
    display_name: str
    cities: tuple[str, ...]


def _data(name: str) -> Any:
    """The generator's table ``chansim/data/generator/<name>.yaml`` (package data)."""
    return load_package_document(f"generator/{name}.yaml")


#: Sales regions per locale: levels of finer territories (census regions, divisions, states;
#: macro-regions, provinces, cities), each listed by economic weight; the coarsest level with
#: enough regions is used (``chansim/data/generator/geography.yaml``).
GEOGRAPHY: dict[str, tuple[tuple[RegionSpec, ...], ...]] = {
    locale: tuple(
        tuple(RegionSpec(r["name"], r["display_name"], tuple(r["cities"])) for r in level["regions"])
        for level in levels
    )
    for locale, levels in _data("geography").items()
}


def pick_regions(locale: str, count: int) -> list[RegionSpec]:
    """Return the ``count`` leading regions of the coarsest level that has enough."""
    for level in GEOGRAPHY[locale]:
        if len(level) >= count:
            return list(level[:count])
    raise ValueError(f"regions: at most {len(GEOGRAPHY[locale][-1])} for locale {locale}")


#: The other language of each locale (a partner's name is made in both, see :func:`partner_names`).
OTHER_LOCALE = {"en_US": "zh_CN", "zh_CN": "en_US"}
#: A city of one locale's geography as the other locale writes it (``chansim/data/generator/places.yaml``).
PLACES: dict[str, dict[str, str]] = {locale: dict(table) for locale, table in _data("places").items()}


def place_name(city: str, locale: str, target: str) -> str:
    """``city`` (a city of ``locale``'s geography) in ``target``'s language; unchanged when not listed."""
    if target == locale:
        return city
    return PLACES.get(locale, {}).get(city, city)


def _short_city(city: str) -> str:
    """``Boston, MA`` -> ``Boston``; ``上海·浦东新区`` -> ``上海``."""
    return city.split(",")[0].split("·")[0]


# --------------------------------------------------------------------------- products


@dataclass(frozen=True)
class Variant:
    """One model of a product family: labels per locale, price and popularity factors."""

    name: str
    en: str
    zh: str
    price_factor: float
    popularity: float


@dataclass(frozen=True)
class Family:
    """A product family: base list prices, popularity and yearly seasonality."""

    name: str
    price_usd: float
    price_cny: float
    popularity: float
    amplitude: float
    peak_day_of_year: dict[str, int]
    variants: tuple[Variant, ...]


_PRODUCTS = _data("products")
#: The product families with their models (``chansim/data/generator/products.yaml``).
FAMILIES: tuple[Family, ...] = tuple(
    Family(
        f["name"], f["price_usd"], f["price_cny"], f["popularity"], f["amplitude"], dict(f["peak_day_of_year"]),
        tuple(Variant(**v) for v in f["variants"]),
    )  # fmt: skip
    for f in _PRODUCTS["families"]
)
#: A model line (name, English and Chinese label, price and popularity factors): the standard
#: model, then Lite, Pro and Max editions of every model.
SERIES: tuple[tuple[str, str, str, float, float], ...] = tuple(
    (s["name"], s["en"], s["zh"], s["price_factor"], s["popularity"]) for s in _PRODUCTS["series"]
)

CATALOGUE_SIZE = sum(len(f.variants) for f in FAMILIES) * len(SERIES)


@dataclass(frozen=True)
class Festival:
    """A yearly shopping event (0-based day of year, length in days)."""

    name: str
    day_of_year: int
    length_days: int


_CALENDAR = _data("calendar")
#: Yearly shopping events per locale (``chansim/data/generator/calendar.yaml``).
FESTIVALS: dict[str, tuple[Festival, ...]] = {
    locale: tuple(Festival(**f) for f in events) for locale, events in _CALENDAR["festivals"].items()
}
#: Share of weekly sales by weekday, Monday first (each averages 1).
WEEKDAY_PATTERN: dict[str, tuple[float, ...]] = {
    locale: tuple(pattern) for locale, pattern in _CALENDAR["weekday_pattern"].items()
}

CURRENCY = {"en_US": "USD", "zh_CN": "CNY"}
# Fixed costs (ordering) in local currency per USD.
MONEY_SCALE = {"en_US": 1.0, "zh_CN": 6.0}


# --------------------------------------------------------------------------- partners

SIZES = ("small", "medium", "large")
SIZE_SHARE = (0.5, 0.35, 0.15)
# mean daily demand of the best-selling SKU at a dealer of each size
SIZE_DEMAND = {"small": 2.5, "medium": 6.0, "large": 13.0}
# safety factor z of dealers by size (bigger stores plan better)
SIZE_SAFETY = {"small": (0.5, 0.9), "medium": (0.7, 1.1), "large": (0.9, 1.3)}
MIN_MEAN, MAX_MEAN = 0.5, 20.0

_NAME_WORDS = _data("names")  # words of company names (chansim/data/generator/names.yaml)
DEALER_WORDS: dict[str, tuple[str, ...]] = {locale: tuple(w) for locale, w in _NAME_WORDS["dealer"].items()}
DISTRIBUTOR_WORDS: dict[str, tuple[str, ...]] = {locale: tuple(w) for locale, w in _NAME_WORDS["distributor"].items()}
VENDOR_WORDS: dict[str, tuple[str, ...]] = {locale: tuple(w) for locale, w in _NAME_WORDS["vendor"].items()}


@dataclass
class Partner:
    """A distributor or dealer while it is being planned."""

    name: str
    kind: str
    region: str
    city: str
    display_name: str
    size: str
    metadata: dict[str, str | int | float | bool]
    lead_time_days: int = 1
    safety_factor: float = 2.0
    supplier: str | None = None
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    variance: np.ndarray = field(default_factory=lambda: np.zeros(0))


class _Names:
    """Company names, contacts and phone numbers from one seeded Faker."""

    def __init__(self, locale: str, seed: int, rng: np.random.Generator) -> None:
        self.locale = locale
        self.fake = Faker(locale)
        self.fake.seed_instance(seed)
        self.rng = rng
        self.used: set[str] = set()

    def pick(self, words: tuple[str, ...]) -> str:
        """One of ``words``."""
        return words[int(self.rng.integers(len(words)))]

    def brand(self) -> str:
        """Make a brand name: a surname (en_US) or a company-name stem (zh_CN)."""
        if self.locale == "zh_CN":
            return _zh_stem(str(self.fake.company_prefix()))
        return str(self.fake.last_name())

    def unique(self, make: Callable[[], str]) -> str:
        """Make a display name not used before (retry, then number the branch)."""
        name = make()
        for _ in range(8):
            if name not in self.used:
                break
            name = make()
        base, n = name, 2
        while name in self.used:
            name = f"{base}{n}号店" if self.locale == "zh_CN" else f"{base} #{n}"
            n += 1
        self.used.add(name)
        return name

    def distributor(self, city: str) -> str:
        """Make a distributor's company name."""
        words = DISTRIBUTOR_WORDS[self.locale]
        if self.locale == "zh_CN":
            return self.unique(lambda: f"{_short_city(city)}{self.brand()}{self.pick(words)}")
        return self.unique(lambda: f"{self.brand()} {self.pick(words)} {self.fake.company_suffix()}")

    def dealer(self, city: str) -> str:
        """Make a dealer's (shop's) name."""
        words = DEALER_WORDS[self.locale]
        if self.locale == "zh_CN":
            return self.unique(lambda: f"{_short_city(city)}{self.brand()}{self.pick(words)}")

        def make() -> str:
            if self.rng.random() < 0.5:
                return f"{self.brand()}'s {self.pick(words)}"
            return f"{_short_city(city)} {self.pick(words)}"

        return self.unique(make)

    def contact(self) -> dict[str, str | int | float | bool]:
        """Make a contact person and phone (US numbers in the fictional 555-01xx range)."""
        person = str(self.fake.name())
        if self.locale == "en_US":
            area = f"{self.fake.random_int(2, 9)}{self.fake.numerify('##')}"
            phone = f"({area}) 555-01{self.fake.numerify('##')}"
        else:
            phone = str(self.fake.phone_number())
        return {"contact": person, "phone": phone}


# Faker's zh_CN company stems sometimes carry a place or an industry ("济南亿次元",
# "双敏电子"); a brand or shop name gets its own place and trade words instead.
_ZH_PLACES = ("开发区", "济南", "黄石", "襄樊")
_ZH_TRADES = ("国际公司", "公司", "电子", "计算机", "信息", "软件", "科技", "电脑")


def _zh_stem(prefix: str) -> str:
    """Strip a leading place and a trailing trade word from a Faker zh_CN company stem."""
    stem = prefix
    for place in _ZH_PLACES:
        stem = stem.removeprefix(place)
    for trade in _ZH_TRADES:
        stem = stem.removesuffix(trade)
    return stem if len(stem) >= 2 else prefix


# --------------------------------------------------------------------------- helpers


def _price(value: float, locale: str) -> float:
    """Round to a shelf price: 499.99 in dollars, 2999 in yuan."""
    if locale == "zh_CN":
        if value >= 1000:
            return float(round(value / 100) * 100 - 1)
        if value >= 100:
            return float(round(value / 10) * 10 - 1)
        return float(max(round(value), 1))
    if value >= 100:
        return round(round(value / 10) * 10 - 0.01, 2)
    return round(max(round(value), 1) - 0.01, 2)


def _ceil(value: float) -> float:
    """Round a stock level up to whole units (as a float for the schema)."""
    return float(math.ceil(value - 1e-9))


@dataclass(frozen=True)
class _SkuPlan:
    sku: sc.Sku
    popularity: float
    amplitude: float
    peak_day: int
    promotions: tuple[sc.Promotion, ...]


def _catalogue(options: GeneratorOptions, brand: str, rng: np.random.Generator) -> list[_SkuPlan]:
    """Pick ``options.skus`` products, families interleaved, with prices and promotions."""
    locale = options.locale
    order = [FAMILIES[int(i)] for i in rng.permutation(len(FAMILIES))]
    chosen: list[tuple[Family, Variant, tuple[str, str, str, float, float]]] = []
    for series in SERIES:
        depth = max(len(f.variants) for f in order)
        for rank in range(depth):
            for family in order:
                if rank < len(family.variants):
                    chosen.append((family, family.variants[rank], series))
    chosen = chosen[: options.skus]
    start_day_of_year = START_DATE.timetuple().tm_yday - 1
    festivals = FESTIVALS[locale]
    years = min(MAX_PROMOTION_YEARS, -(-options.days // 365))
    plans = []
    raw_popularity = []
    for family, variant, series in chosen:
        series_id, series_en, series_zh, series_price, series_pop = series
        name = f"{family.name}_{variant.name}" + (f"_{series_id}" if series_id else "")
        label = variant.zh if locale == "zh_CN" else variant.en
        edition = series_zh if locale == "zh_CN" else series_en
        display = f"{brand} {label}" + (f" {edition}" if edition else "")
        base = family.price_cny if locale == "zh_CN" else family.price_usd
        list_price = _price(base * variant.price_factor * series_price * rng.uniform(0.95, 1.05), locale)
        unit_cost = round(list_price * rng.uniform(0.40, 0.52), 2)
        raw_popularity.append(family.popularity * variant.popularity * series_pop * rng.lognormal(0.0, 0.25))
        promotions: list[sc.Promotion] = []
        if rng.random() < 0.7:
            festival = festivals[int(rng.integers(len(festivals)))]
            uplift = round(float(rng.uniform(0.25, 0.6)), 2)
            for year in range(years):
                start = (festival.day_of_year - start_day_of_year) % 365 + 365 * year
                if start >= options.days:
                    break
                promotions.append(sc.Promotion(
                    start_day=start, end_day=min(start + festival.length_days, sc.MAX_DAYS),
                    uplift=uplift, name=festival.name,
                ))  # fmt: skip
        peak = (family.peak_day_of_year[locale] - start_day_of_year) % 365
        plans.append((
            sc.Sku(name=name, display_name=display, unit_cost=unit_cost, list_price=list_price),
            family.amplitude, peak, tuple(promotions),
        ))  # fmt: skip
    top = max(raw_popularity)
    return [
        _SkuPlan(sku, pop / top, amplitude, peak, promos)
        for (sku, amplitude, peak, promos), pop in zip(plans, raw_popularity, strict=True)
    ]


def _weekly(locale: str) -> list[float]:
    """Return the weekday pattern rotated so that entry 0 is the weekday of day 0."""
    pattern = WEEKDAY_PATTERN[locale]
    first = START_DATE.weekday()
    return [pattern[(first + i) % 7] for i in range(7)]


def _sizing_mean(mean: np.ndarray, amplitudes: np.ndarray) -> np.ndarray:
    """Mean demand that stock is sized for: lifted by a quarter of the seasonal swing."""
    return mean * (1.0 + 0.25 * amplitudes)


def _per_sku_settings(
    skus: list[str], policies: list[sc.Policy], initials: list[sc.InitialState]
) -> tuple[sc.Policy, sc.InitialState, list[sc.Item]]:
    """Use the most common (policy, initial) as node defaults; items only where different."""
    pairs = zip(policies, initials, strict=True)
    keys = [(p.model_dump_json(), i.model_dump_json()) for p, i in pairs]
    first = keys.index(Counter(keys).most_common(1)[0][0])
    default_policy, default_initial = policies[first], initials[first]
    items = []
    for sku, policy, initial in zip(skus, policies, initials, strict=True):
        if policy == default_policy and initial == default_initial:
            continue
        items.append(sc.Item(
            sku=sku,
            policy=None if policy == default_policy else policy,
            initial=None if initial == default_initial else initial,
        ))  # fmt: skip
    return default_policy, default_initial, items


def _base_stock_levels(
    mean: np.ndarray, variance: np.ndarray, amplitudes: np.ndarray, lead_days: int, z: float
) -> list[float]:
    """Order-up-to levels: sizing mean x (lead time + 1-day review) + z sigma sqrt(L + 1)."""
    cover = lead_days + 1
    levels = _sizing_mean(mean, amplitudes) * cover + z * np.sqrt(variance * cover)
    return [max(1.0, _ceil(x)) for x in levels]


# --------------------------------------------------------------------------- the generator


def generate_scenario(options: GeneratorOptions) -> sc.Scenario:
    """Make a realistic, validated channel scenario; same options, same scenario."""
    locale = options.locale
    rng = stream(options.seed, 0, "generator")
    names = _Names(locale, options.seed, rng)
    scale = MONEY_SCALE[locale]
    regions = pick_regions(locale, options.regions)
    region_by_name = {r.name: r for r in regions}

    # the vendor and its range
    brand = names.brand()
    vendor_display = (
        f"{brand}{names.pick(VENDOR_WORDS[locale])}"
        if locale == "zh_CN"
        else (f"{brand} {names.pick(VENDOR_WORDS[locale])}")
    )
    names.used.add(vendor_display)
    hq = regions[0].cities[0]
    catalogue = _catalogue(options, brand, rng)
    sku_names = [p.sku.name for p in catalogue]
    popularity = np.array([p.popularity for p in catalogue])
    amplitudes = np.array([p.amplitude for p in catalogue])
    unit_costs = np.array([p.sku.unit_cost for p in catalogue])
    list_prices = np.array([p.sku.list_price for p in catalogue])
    weekly = _weekly(locale)

    # distributors: spread over regions; with fewer distributors than regions one covers several
    n_dist = options.distributor_count
    distributors: list[Partner] = []
    coverage: list[list[str]] = []
    width = max(2, len(str(n_dist)))
    per_region_seen: Counter[str] = Counter()
    for k in range(n_dist):
        if n_dist < len(regions):
            covered = [r.name for i, r in enumerate(regions) if i % n_dist == k]
        else:
            covered = [regions[k % len(regions)].name]
        home = region_by_name[covered[0]]
        city = home.cities[per_region_seen[home.name] % len(home.cities)]
        per_region_seen[home.name] += 1
        partner = Partner(
            name=f"dist_{k + 1:0{width}d}", kind="distributor", region=home.name, city=city,
            display_name=names.distributor(city), size="medium",
            metadata={**names.contact(), "city": city,
                      "founded": int(rng.integers(1978, 2016))},
            lead_time_days=int(rng.integers(2, 7)), safety_factor=float(rng.uniform(0.8, 1.2)),
            supplier="vendor",
        )  # fmt: skip
        if len(covered) > 1:
            territory = [region_by_name[r].display_name for r in covered]
            partner.metadata["territory"] = ", ".join(territory)
        distributors.append(partner)
        coverage.append(covered)

    # dealers: dealers_per_distributor under each distributor (or in each region, 1-tier)
    dealers: list[Partner] = []
    groups: list[tuple[str, Partner | None, list[str]]] = []
    if n_dist:
        groups = [(p.name.removeprefix("dist_"), p, cov) for p, cov in zip(distributors, coverage, strict=True)]
    else:
        rwidth = max(2, len(str(len(regions))))
        groups = [(f"{i + 1:0{rwidth}d}", None, [r.name]) for i, r in enumerate(regions)]
    dwidth = max(2, len(str(options.dealers_per_distributor)))
    size_probs = np.array(SIZE_SHARE)
    for suffix, parent, covered in groups:
        for j in range(options.dealers_per_distributor):
            region = region_by_name[covered[j % len(covered)]]
            weights = 1.0 / np.arange(1, len(region.cities) + 1)
            city = region.cities[int(rng.choice(len(region.cities), p=weights / weights.sum()))]
            size = SIZES[int(rng.choice(3, p=size_probs))]
            if parent is None:
                lead = int(rng.integers(2, 7))
            elif city == parent.city:
                lead = 1
            else:
                lead = int(rng.integers(2, 4))
            low, high = SIZE_SAFETY[size]
            dealer = Partner(
                name=f"dealer_{suffix}_{j + 1:0{dwidth}d}", kind="dealer", region=region.name,
                city=city, display_name=names.dealer(city), size=size,
                metadata={**names.contact(), "city": city, "size": size,
                          "founded": int(rng.integers(1988, 2024))},
                lead_time_days=lead, safety_factor=float(rng.uniform(low, high)),
                supplier=parent.name if parent else "vendor",
            )  # fmt: skip
            base = SIZE_DEMAND[size] * rng.lognormal(0.0, 0.2)
            means = np.clip(base * popularity * rng.lognormal(0.0, 0.15, size=len(catalogue)),
                            MIN_MEAN, MAX_MEAN).round(2)  # fmt: skip
            ratios = rng.uniform(1.3, 2.2, size=len(catalogue))
            dealer.mean = means
            dealer.variance = np.where(means < 3.0, means, (means * ratios).round(2))
            dealers.append(dealer)

    markets = [_market(dealer, catalogue, weekly, locale) for dealer in dealers]
    for dist in distributors:
        mine = [d for d in dealers if d.supplier == dist.name]
        dist.mean = np.sum([d.mean for d in mine], axis=0)
        dist.variance = np.sum([d.variance for d in mine], axis=0)
    _size_distributors(distributors)

    # costs, policies and nodes: dealers, then distributors, then the vendor
    nodes_dealers = [_dealer_node(d, sku_names, amplitudes, unit_costs, list_prices, scale, rng) for d in dealers]
    nodes_dist = [_distributor_node(d, sku_names, amplitudes, unit_costs, scale, rng) for d in distributors]
    vendor_node = _vendor_node(
        vendor_display, hq, names, distributors or dealers, sku_names, amplitudes, unit_costs, rng
    )

    total_mean = float(sum(d.mean.sum() for d in dealers))
    extra: dict[str, Any] = {}
    description = _description(options, vendor_display, regions, total_mean)
    if options.business:
        extra["business"] = _business(options, distributors, dealers, catalogue, regions)
        description += BUSINESS_TEXT[locale]["description"]
        # suppliers serve scarce stock by tier: the partner tiers' allocation priorities apply
        vendor_node = vendor_node.model_copy(update={"allocation": "priority"})
        nodes_dist = [node.model_copy(update={"allocation": "priority"}) for node in nodes_dist]
    if options.applicants:
        # applicant dealers for a recruitment round: a stream of their own, drawn last, so the
        # rest of the file is the same with or without them
        applicants = _applicants(options, groups, region_by_name, popularity, catalogue, names)
        arng = stream(options.seed, 0, "generator/applicants/nodes")
        nodes_dealers += [
            _dealer_node(d, sku_names, amplitudes, unit_costs, list_prices, scale, arng) for d in applicants
        ]
        markets += [_market(d, catalogue, weekly, locale) for d in applicants]
        business = extra["business"]
        targets = business["incentives"]["targets"]
        dealer_targets = sorted(v for k, v in targets["by_node"].items() if k.startswith("dealer_"))
        if dealer_targets:  # applicants get the median dealer target, rounded to a clean figure
            median = dealer_targets[len(dealer_targets) // 2]
            targets = {**targets, "default_by_kind": {"dealer": _ceil(median)}}
            business = {**business, "incentives": {**business["incentives"], "targets": targets}}
        extra["business"] = {
            **business,
            "recruitment_round": RecruitmentRound(
                candidates=[d.name for d in applicants], recruit_per_region=max(1, options.applicants // 2)
            ),
        }
    scenario = sc.Scenario(
        name=options.scenario_name,
        description=description,
        source=f"generated by: {options.command}",
        horizon_days=options.days,
        regions=[sc.Region(name=r.name, display_name=r.display_name) for r in regions],
        skus=[p.sku for p in catalogue],
        nodes=[vendor_node, *nodes_dist, *nodes_dealers],
        markets=markets,
        metadata={
            "generator": "chansim.generate", "seed": options.seed, "locale": locale,
            "currency": CURRENCY[locale], "tiers": 2 if n_dist else 1,
            "mean_daily_demand": round(total_mean, 1),
        },
        **extra,
    )  # fmt: skip
    return scenario


def _applicants(
    options: GeneratorOptions,
    groups: list[tuple[str, Partner | None, list[str]]],
    region_by_name: dict[str, RegionSpec],
    popularity: np.ndarray,
    catalogue: list[_SkuPlan],
    names: _Names,
) -> list[Partner]:
    """``options.applicants`` Faker-named applicant dealers per region, under the region's supplier."""
    rng = stream(options.seed, 0, "generator/applicants")
    made: list[Partner] = []
    width = max(2, len(str(options.applicants)))
    parent_of: dict[str, Partner | None] = {}
    for _, parent, covered in groups:
        for region in covered:
            parent_of.setdefault(region, parent)
    for region_name, parent in parent_of.items():
        region = region_by_name[region_name]
        for j in range(options.applicants):
            city = region.cities[int(rng.integers(len(region.cities)))]
            size = SIZES[int(rng.choice(3, p=np.array(SIZE_SHARE)))]
            low, high = SIZE_SAFETY[size]
            applicant = Partner(
                name=f"dealer_app_{region_name}_{j + 1:0{width}d}"[:64], kind="dealer", region=region_name,
                city=city, display_name=names.dealer(city), size=size,
                metadata={**names.contact(), "city": city, "size": size, "applicant": True,
                          "founded": int(rng.integers(1988, 2024))},
                lead_time_days=int(rng.integers(1, 4)), safety_factor=float(rng.uniform(low, high)),
                supplier=parent.name if parent else "vendor",
            )  # fmt: skip
            base = SIZE_DEMAND[size] * rng.lognormal(0.0, 0.2)
            means = np.clip(base * popularity * rng.lognormal(0.0, 0.15, size=len(catalogue)), MIN_MEAN, MAX_MEAN)
            applicant.mean = means.round(2)
            applicant.variance = np.where(applicant.mean < 3.0, applicant.mean, (applicant.mean * 1.6).round(2))
            made.append(applicant)
    return made


def _market(dealer: Partner, catalogue: list[_SkuPlan], weekly: list[float], locale: str) -> sc.Market:
    """Build the end customers in the dealer's city, one demand stream per SKU."""
    streams = []
    for plan, mean, variance in zip(catalogue, dealer.mean, dealer.variance, strict=True):
        distribution: sc.Poisson | sc.NegativeBinomial
        if variance > mean:
            distribution = sc.NegativeBinomial(mean=float(mean), variance=float(variance))
        else:
            distribution = sc.Poisson(mean=float(mean))
        streams.append(sc.DemandStream(
            sku=plan.sku.name, distribution=distribution, weekly_seasonality=weekly,
            yearly_seasonality=(
                sc.YearlySeasonality(amplitude=plan.amplitude, peak_day=plan.peak_day)
                if plan.amplitude > 0 else None
            ),
            promotions=list(plan.promotions),
        ))  # fmt: skip
    if locale == "zh_CN":
        display = f"{dealer.display_name}顾客（{dealer.city}）"
    else:
        display = f"{dealer.display_name} customers ({dealer.city})"
    return sc.Market(
        name=dealer.name.replace("dealer_", "market_", 1), served_by=dealer.name,
        region=dealer.region, display_name=display,
        demand=streams,
    )  # fmt: skip


def _dealer_node(
    dealer: Partner, sku_names: list[str], amplitudes: np.ndarray, unit_costs: np.ndarray,
    list_prices: np.ndarray, scale: float, rng: np.random.Generator,
) -> sc.Node:  # fmt: skip
    """Build a dealer: daily base stock, backorders or lost sales, shop cost rates."""
    levels = _base_stock_levels(dealer.mean, dealer.variance, amplitudes, dealer.lead_time_days, dealer.safety_factor)
    policy, initial, items = _per_sku_settings(
        sku_names,
        [sc.BaseStock(order_up_to=s) for s in levels],
        [sc.InitialState(on_hand=s) for s in levels],
    )
    weights = dealer.mean / dealer.mean.sum()
    mean_cost = float(weights @ unit_costs)
    mean_price = float(weights @ list_prices)
    lost_sales = rng.random() < (0.6 if dealer.size == "small" else 0.3)
    # parcel straight from the plant costs more than the distributor's local delivery
    direct = dealer.supplier == "vendor"
    shipping = mean_cost * (rng.uniform(0.03, 0.05) if direct else rng.uniform(0.015, 0.03))
    backorder = 0.0 if lost_sales else round(mean_price * rng.uniform(0.01, 0.02), 4)
    return sc.Node(
        name=dealer.name, kind="dealer", display_name=dealer.display_name, region=dealer.region,
        lanes=[sc.Lane(supplier=dealer.supplier, lead_time_days=dealer.lead_time_days,
                       shipping_cost_per_unit=round(shipping, 2))],
        policy=policy, initial=initial, items=items,
        shortage="lost_sales" if lost_sales else "backorder",
        holding_cost_per_unit_day=round(mean_cost * rng.uniform(0.002, 0.003), 4),
        backorder_cost_per_unit_day=backorder,
        lost_sale_cost_per_unit=round(mean_price * rng.uniform(0.3, 0.4), 2) if lost_sales else 0.0,
        ordering_cost_per_order=round(scale * rng.uniform(2.0, 6.0), 2),
        metadata=dealer.metadata,
    )  # fmt: skip


def _distributor_node(
    dist: Partner, sku_names: list[str], amplitudes: np.ndarray, unit_costs: np.ndarray,
    scale: float, rng: np.random.Generator,
) -> sc.Node:  # fmt: skip
    """Build a distributor: (s, S) with an order cycle of 3-7 days of demand, backorders."""
    cycle_days = float(rng.uniform(3.0, 7.0))
    reorder = _base_stock_levels(dist.mean, dist.variance, amplitudes, dist.lead_time_days, dist.safety_factor)
    quantity = [max(1.0, _ceil(m * cycle_days)) for m in dist.mean]
    policies: list[sc.Policy] = [
        sc.SS(reorder_point=s, order_up_to=s + q) for s, q in zip(reorder, quantity, strict=True)
    ]
    initials = [sc.InitialState(on_hand=s + q) for s, q in zip(reorder, quantity, strict=True)]
    policy, initial, items = _per_sku_settings(sku_names, policies, initials)
    # a lumpy (s, S) buyer: each order is about Q units, so variance is about mean x Q
    dist.variance = dist.variance + dist.mean * np.array(quantity)
    dist.metadata["order_cycle_days"] = round(cycle_days, 1)
    weights = dist.mean / dist.mean.sum()
    mean_cost = float(weights @ unit_costs)
    holding = mean_cost * rng.uniform(0.0015, 0.002)
    return sc.Node(
        name=dist.name, kind="distributor", display_name=dist.display_name, region=dist.region,
        lanes=[sc.Lane(supplier="vendor", lead_time_days=dist.lead_time_days,
                       shipping_cost_per_unit=round(mean_cost * rng.uniform(0.01, 0.02), 2))],
        policy=policy, initial=initial, items=items,
        holding_cost_per_unit_day=round(holding, 4),
        backorder_cost_per_unit_day=round(mean_cost * 0.005, 4),
        ordering_cost_per_order=round(scale * rng.uniform(20.0, 50.0), 2),
        metadata=dist.metadata,
    )  # fmt: skip


def _size_distributors(distributors: list[Partner]) -> None:
    """Size class by volume: the top quarter large, the bottom quarter small."""
    if not distributors:
        return
    volume = np.array([d.mean.sum() for d in distributors])
    low, high = np.quantile(volume, [0.25, 0.75])
    for dist in distributors:
        total = dist.mean.sum()
        dist.size = "large" if total > high else "small" if total < low else "medium"
        dist.metadata["size"] = dist.size


def _vendor_node(
    display_name: str, hq: str, names: _Names, buyers: list[Partner], sku_names: list[str],
    amplitudes: np.ndarray, unit_costs: np.ndarray, rng: np.random.Generator,
) -> sc.Node:  # fmt: skip
    """Build the vendor: it produces to a base stock in its plant (5-10 days)."""
    mean = np.sum([b.mean for b in buyers], axis=0)
    variance = np.sum([b.variance for b in buyers], axis=0)
    production_days = int(rng.integers(5, 11))
    z = float(rng.uniform(1.3, 1.7))
    levels = _base_stock_levels(mean, variance, amplitudes, production_days, z)
    policy, initial, items = _per_sku_settings(
        sku_names,
        [sc.BaseStock(order_up_to=s) for s in levels],
        [sc.InitialState(on_hand=s) for s in levels],
    )
    capacity = 10.0 * math.ceil(3.0 * float(mean.sum()) / 10.0)
    mean_cost = float((mean / mean.sum()) @ unit_costs)
    return sc.Node(
        name="vendor", kind="vendor", display_name=display_name,
        lanes=[sc.Lane(supplier=None, lead_time_days=production_days,
                       capacity_units_per_day=capacity)],
        policy=policy, initial=initial, items=items,
        holding_cost_per_unit_day=round(mean_cost * 0.001, 4),
        backorder_cost_per_unit_day=round(mean_cost * 0.005, 4),
        metadata={**names.contact(), "city": hq, "size": "large",
                  "founded": int(rng.integers(1950, 2006)), "role": "manufacturer"},
    )  # fmt: skip


def _description(options: GeneratorOptions, vendor: str, regions: list[RegionSpec], total_mean: float) -> str:
    """Summarise what was generated in one paragraph."""
    n_dist = options.distributor_count
    n_deal = options.dealer_count
    shown = [r.display_name for r in regions[:8]]
    more = len(regions) - len(shown)
    if options.locale == "zh_CN":
        area = "、".join(shown) + (" 等" if more else "") + f" {len(regions)} 个区域"
        chain = (f"经 {n_dist} 家分销商向 {n_deal} 家经销商门店供货" if n_dist
                 else f"直接向 {n_deal} 家经销商门店供货（一级渠道）")  # fmt: skip
        return (
            f"自动生成的{'两' if n_dist else '一'}级家电与消费电子渠道（种子 {options.seed}）："
            f"厂商{vendor}{chain}，覆盖{area}；{options.skus} 个 SKU；"
            f"终端日均需求约 {total_mean:.1f} 件；模拟 {options.days} 天。"
            "门店每日按基础库存补货，分销商采用 (s, S) 策略，工厂按基础库存排产。"
        )
    area = ", ".join(shown) + (f" and {more} more" if more else "")
    chain = (f"supplies {n_dist} distributors, which serve {n_deal} dealers" if n_dist
             else f"sells directly to {n_deal} dealers (1-tier channel)")  # fmt: skip
    return (
        f"Generated {'two' if n_dist else 'one'}-tier consumer-electronics and appliance channel "
        f"(seed {options.seed}): {vendor} {chain} in {len(regions)} regions ({area}); "
        f"{options.skus} SKUs; mean end-customer demand {total_mean:.1f} units/day; "
        f"{options.days} days. Dealers order daily up to a base stock, distributors use (s, S), "
        "the plant produces to a base stock."
    )


# --------------------------------------------------------------------------- business layer

#: Free text of the business section (names of training sessions, plans, steps).
BUSINESS_TEXT: dict[str, dict[str, str]] = {
    "en_US": {
        "description": (
            " Business layer: partner tiers, credit limits and terms, an approval path, a volume rebate"
            " and a target commission, project leads per region, training sessions, churn and insolvency."
        ),
        "product_training": "Product training for all dealers",
        "sales_training": "Sales skills workshop for bronze dealers",
        "rebate": "Monthly retroactive volume rebate on purchases",
        "commission": "Monthly commission on the sell-out target",
        "desk": "Order desk check",
        "finance": "Finance sign-off",
    },
    "zh_CN": {
        "description": "业务层：合作伙伴等级、信用额度与账期、审批流程、返利与目标佣金、各区域项目线索、培训、流失与破产。",  # noqa: E501
        "product_training": "全体经销商新品培训",
        "sales_training": "铜牌经销商销售技巧培训",
        "rebate": "月度累进采购返利",
        "commission": "月度销售目标佣金",
        "desk": "订单审核",
        "finance": "财务审批",
    },
}

# The tier ladder, best first: (name, discount off list, allocation priority, promotion,
# demotion). A dealer buys at its tier's discount; a distributor on the distributor price
# list: the vendor's own discount plus its tier's extra over bronze
# (``chansim.business.runtime.purchase_discounts``).
TIER_LADDER: tuple[tuple[str, float, int, float | None, float | None], ...] = (
    ("gold", 0.30, 0, 85.0, 75.0),
    ("silver", 0.27, 1, 60.0, 50.0),
    ("bronze", 0.25, 2, None, None),
)
TIER_BY_SIZE = {"large": "gold", "medium": "silver", "small": "bronze"}
#: Payment terms by tier (days): better partners get longer terms.
TERMS_BY_TIER = {"gold": 60, "silver": 45, "bronze": 30}
#: Approvals: mean service time (days) and target utilisation of each pool.
DESK_SERVICE_DAYS, FINANCE_SERVICE_DAYS, TARGET_UTILISATION = 0.25, 0.5, 0.6
#: Thresholds are raised until each approval step sees at most this many orders a day.
MAX_DESK_ORDERS_PER_DAY, MAX_FINANCE_ORDERS_PER_DAY = 20.0, 5.0
DAYS_PER_MONTH = 30


def _nice(value: float, *, up: bool = False) -> float:
    """Round to two significant digits (up with ``up``): 157_342 -> 160_000."""
    if value <= 0:
        return 0.0
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    units = math.ceil(value / step - 1e-9) if up else round(value / step)
    return float(max(1, units) * step)


def _business(
    options: GeneratorOptions, distributors: list[Partner], dealers: list[Partner],
    catalogue: list[_SkuPlan], regions: list[RegionSpec],
) -> dict[str, Any]:  # fmt: skip
    """The ``business`` section of a generated channel, sized from its expected demand.

    - **Tiers**: large, medium and small partners (distributors and dealers alike) start
      gold, silver and bronze (30, 27 and 25 % off list for a dealer; a distributor gets
      the vendor's 40 % plus its tier's extra over bronze). Suppliers allocate scarce
      stock by tier priority. Quarterly reviews on the scorecard, one step at a time.
    - **Credit**: terms 60 / 45 / 30 days for gold / silver / bronze; a partner's limit is
      its expected purchases per day at its price x (terms + 15 days) x a headroom of
      1.15-1.35, rounded up to two significant digits. Late payment and a
      small insolvency risk as in :class:`chansim.business.order_to_cash.PaymentBehaviour`.
    - **Approvals**: orders above the 90th percentile of expected order values go to the
      order desk, above three times that also to finance, both thresholds raised until
      the desk sees at most 20 and finance 5 orders a day; each pool has enough
      approvers for a utilisation of about 60 % at the expected load.
    - **Incentives**: a retroactive volume rebate for the distributors (the dealers in a
      1-tier channel) with thresholds at 80 %, 100 % and 125 % of their median expected
      monthly purchases (1, 2, 3 %), and a target commission for the dealers on monthly
      sell-out targets of 105 % of their expected sales.
    - **Funnel**: project leads in every region with dealers (0.15 a day per dealer, 3-20
      units over the three most popular SKUs); default stages, territory routing.
    - **Training**: product training for every dealer on day 14 and a sales-skills
      workshop for the bronze dealers on day 60 (when within the horizon).
    - **Churn and insolvency**: the model's defaults, with at-risk flags from 2 % and a 4 %
      yearly insolvency risk for a partner of health 0.
    """
    locale = options.locale
    text = BUSINESS_TEXT[locale]
    scale = MONEY_SCALE[locale]
    rng = stream(options.seed, 0, "generator/business")
    two_tier = bool(distributors)
    list_prices = np.array([p.sku.list_price for p in catalogue])
    partners = [*distributors, *dealers]
    tiers = {p.name: TIER_BY_SIZE[p.size] for p in partners}
    tier_discount = {name: disc for name, disc, *_ in TIER_LADDER}
    floor = min(tier_discount.values())
    vendor_discount = sc.DEFAULT_PRICE_DISCOUNT["vendor"]
    discount = {
        p.name: vendor_discount + tier_discount[tiers[p.name]] - floor
        if p.kind == "distributor"
        else tier_discount[tiers[p.name]]
        for p in partners
    }

    # expected money per partner: purchases at its price, sell-out at list (dealers)
    daily_purchases = {p.name: float(p.mean @ (list_prices * (1 - discount[p.name]))) for p in partners}
    monthly_sales = {d.name: DAYS_PER_MONTH * float(d.mean @ list_prices) for d in dealers}

    credit_partners: dict[str, dict[str, float]] = {}
    for p in partners:
        terms = TERMS_BY_TIER[tiers[p.name]]
        headroom = float(rng.uniform(1.15, 1.35))
        limit = daily_purchases[p.name] * (terms + 15) * headroom
        credit_partners[p.name] = {"credit_limit": _nice(limit, up=True), "terms_days": terms}

    # approval thresholds and staffing from the expected order values and frequencies
    values, frequency = [], []
    for p in partners:
        cycle = float(p.metadata.get("order_cycle_days", 1.0)) if p.kind == "distributor" else 1.0
        price = list_prices * (1 - discount[p.name])
        for mean, unit in zip(p.mean, price, strict=True):
            values.append(float(mean * unit * cycle))
            frequency.append(1.0 / cycle)
    order_values, order_rates = np.array(values), np.array(frequency)

    def load(threshold: float) -> float:
        """Expected orders a day above ``threshold``, allowing for days of twice the mean."""
        return float(order_rates[2 * order_values > threshold].sum())

    def threshold_for(max_load: float, at_least: float) -> float:
        """The lowest round threshold from ``at_least`` up that keeps the load at most ``max_load``."""
        threshold = _nice(at_least, up=True)
        if load(threshold) > max_load:
            ranked = np.argsort(-order_values, kind="stable")
            cumulative = np.cumsum(order_rates[ranked])
            k = int(np.searchsorted(cumulative, max_load, side="right"))
            threshold = max(threshold, _nice(2 * float(order_values[ranked[min(k, len(ranked) - 1)]]), up=True))
        return threshold

    desk_above = threshold_for(MAX_DESK_ORDERS_PER_DAY, float(np.quantile(order_values, 0.9)))
    finance_above = threshold_for(MAX_FINANCE_ORDERS_PER_DAY, 3 * desk_above)

    def approvers(threshold: float, service_days: float) -> int:
        return min(1000, max(1, math.ceil(load(threshold) * service_days / TARGET_UTILISATION)))

    # incentives
    rebated = distributors or dealers
    median_month = float(np.median([DAYS_PER_MONTH * daily_purchases[p.name] for p in rebated]))
    thresholds = [_nice(median_month * share) for share in (0.8, 1.0, 1.25)]
    for k in range(1, len(thresholds)):  # keep them strictly increasing after rounding
        thresholds[k] = max(thresholds[k], thresholds[k - 1] + _nice(0.05 * median_month))
    plans: list[dict[str, Any]] = [
        {
            "name": "volume_rebate",
            "description": text["rebate"],
            "period_days": DAYS_PER_MONTH,
            "applies_to": {"kinds": ["distributor" if two_tier else "dealer"]},
            "scheme": {
                "type": "volume_rebate", "mode": "retroactive", "measure": "purchases",
                "tiers": [[t, pct] for t, pct in zip(thresholds, (1.0, 2.0, 3.0), strict=True)],
            },
        },
        {
            "name": "target_commission",
            "description": text["commission"],
            "period_days": DAYS_PER_MONTH,
            "applies_to": {"kinds": ["dealer"]},
            "scheme": {
                "type": "target_commission", "measure": "sell_out", "on_target_earnings_pct": 2.0,
                "curve": [[50, 0], [100, 100], [150, 175]], "floor_attainment_pct": 50,
                "cap_payout_pct": 200, "beyond_last_point": "flat",
            },
        },
    ]  # fmt: skip
    targets = {d.name: _nice(1.05 * monthly_sales[d.name]) for d in dealers}

    # funnel: project leads in every region that has dealers
    dealers_in: Counter[str] = Counter(d.region for d in dealers)
    top = sorted(range(len(catalogue)), key=lambda k: (-catalogue[k].popularity, k))[:3]
    weight = np.array([catalogue[k].popularity for k in top])
    share = 0.5 * weight / weight.sum() + 0.5 / len(top)
    shares = [round(float(x), 2) for x in share[:-1]]
    shares.append(round(1.0 - sum(shares), 2))
    sku_mix = [{"sku": catalogue[k].sku.name, "share": x} for k, x in zip(top, shares, strict=True)]
    lead_sources = [
        {
            "region": region.name,
            "arrival_rate_per_day": round(0.15 * dealers_in[region.name] * float(rng.uniform(0.8, 1.2)), 2),
            "deal_size_units": {"type": "uniform", "low": 3, "high": 20},
            "sku_mix": sku_mix,
            "account_pool_size": 20 * dealers_in[region.name],
        }
        for region in regions
        if dealers_in[region.name]
    ]

    bronze_dealers = sum(1 for d in dealers if tiers[d.name] == "bronze")
    training_events: list[dict[str, Any]] = []
    if options.days > 14:
        training_events.append({
            "name": text["product_training"], "day": 14, "seats": len(dealers),
            "cost_per_seat": round(150.0 * scale, 2),
        })  # fmt: skip
    if options.days > 60 and bronze_dealers:
        training_events.append({
            "name": text["sales_training"], "day": 60, "tier": "bronze", "seats": bronze_dealers,
            "cost_per_seat": round(400.0 * scale, 2), "uplift": 0.3,
        })  # fmt: skip

    return {
        "partners": {
            "tiers": {
                "tiers": [
                    {"name": name, "discount": disc, "allocation_priority": prio,
                     **({"promotion_threshold": up, "demotion_threshold": down} if up is not None else {})}
                    for name, disc, prio, up, down in TIER_LADDER
                ],
                "review_period_days": 90,
                "one_step_per_review": True,
            },
            "training": {"events": training_events, "half_life_days": 90.0},
            "churn": {"at_risk_probability": 0.02},
            "insolvency": {"annual_probability": 0.04},
        },
        "tiers_by_node": tiers,
        "order_to_cash": {
            "credit": {"default_terms_days": 30, "partners": credit_partners, "on_exceed": "hold", "max_hold_days": 14},
            "approver_pools": [
                {"name": "order_desk", "approvers": approvers(desk_above, DESK_SERVICE_DAYS),
                 "service_time_days": {"type": "exponential", "mean": DESK_SERVICE_DAYS}},
                {"name": "finance", "approvers": approvers(finance_above, FINANCE_SERVICE_DAYS),
                 "service_time_days": {"type": "exponential", "mean": FINANCE_SERVICE_DAYS}},
            ],
            "approval_path": [
                {"pool": "order_desk", "amount_above": desk_above, "name": text["desk"]},
                {"pool": "finance", "amount_above": finance_above, "name": text["finance"]},
            ],
            "payment": {
                "base_delay_days": 3.0, "delay_slope_days": 15.0, "insolvency_probability_per_year": 0.02,
                "recovery_share": 0.3, "default_health": 0.85,
            },
        },
        "incentives": {"plans": plans, "targets": {"period_days": DAYS_PER_MONTH, "by_node": targets}},
        "funnel": {"lead_sources": lead_sources, "routing": {"rule": "territory", "tie_break": "tier_weighted"}},
    }  # fmt: skip


# --------------------------------------------------------------------------- names in both languages


def partner_names(scenario: sc.Scenario) -> dict[str, dict[str, str]]:
    """Every distributor's and dealer's name and city in both languages, for a generated scenario.

    ``{node: {"name_en_US": ..., "name_zh_CN": ..., "city_en_US": ..., "city_zh_CN": ...}}``: the
    scenario's own language is its ``display_name`` and city; the other is made by a Faker of the
    other locale seeded with the scenario's seed (``metadata["seed"]``) and a stream of its own,
    partner after partner in the scenario's order, for the city in the other language
    (:func:`place_name`). So the same scenario always gives the same pairs, and nothing of the
    scenario (its file, ids, numbers, results) depends on them: pages show the name of the
    trainee's language. A scenario the generator did not make (no ``locale`` and ``seed`` in its
    metadata) gives ``{}``.
    """
    locale, seed = scenario.metadata.get("locale"), scenario.metadata.get("seed")
    if locale not in OTHER_LOCALE or not isinstance(seed, int) or isinstance(seed, bool):
        return {}
    target = OTHER_LOCALE[str(locale)]
    other = _Names(target, seed, stream(seed, 0, "generator/names-other"))
    pairs: dict[str, dict[str, str]] = {}
    for node in scenario.nodes:
        if node.kind not in ("distributor", "dealer"):
            continue
        city = str(node.metadata.get("city", ""))
        alt_city = place_name(city, str(locale), target)
        alt = other.dealer(alt_city) if node.kind == "dealer" else other.distributor(alt_city)
        pairs[node.name] = {
            f"name_{locale}": node.display_name or node.name,
            f"name_{target}": alt,
            f"city_{locale}": city,
            f"city_{target}": alt_city,
        }
    return pairs
