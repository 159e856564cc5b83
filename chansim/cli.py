"""The ``chansim`` command line: run, validate, scenarios, generate, schema, serve.

Bad input of any kind exits with code 2 and a one-line-per-problem message on stderr,
never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import click

from chansim.io import ScenarioError

EXIT_BAD_INPUT = 2

TABLE_KPIS = [
    "fill_rate", "otif", "mean_on_hand", "mean_backorder", "stockout_rate", "bullwhip",
    "inventory_turns", "revenue", "gross_margin", "total_cost",
]  # fmt: skip
BUSINESS_TABLE_KPIS = [
    "target_attainment", "contribution_share", "gross_margin_partner", "cost_to_serve", "channel_cost_ratio",
    "dso", "credit_utilisation", "orders_held_share", "funnel_win_rate", "rebates", "scorecard",
]  # fmt: skip


class BadInput(click.ClickException):
    """A user error: printed without traceback, exit code 2."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        """Print ``chansim: error: ...`` to stderr."""
        click.echo(f"chansim: error: {self.format_message()}", err=True)


def _default_scenario_path() -> Path:
    return Path(__file__).parent / "data" / "default.yaml"


def _load(name_or_path: str | None):  # type: ignore[no-untyped-def]
    """The scenario of a file path or a bundled scenario's name (default: the built-in channel)."""
    from chansim.io import find_scenario, load_scenario

    try:
        return load_scenario(find_scenario(name_or_path) if name_or_path else _default_scenario_path())
    except ScenarioError as exc:
        raise BadInput(str(exc)) from None


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def _records(frame) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _format_number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3f}"
    return str(value)


def _table(frame, replications: int, columns: list[str] = TABLE_KPIS) -> str:  # type: ignore[no-untyped-def]
    headers = ["node", "kind", *columns]
    rows = []
    for record in frame.to_dict(orient="records"):
        row = [str(record["node"]), str(record["kind"])]
        for kpi in columns:
            text = _format_number(record[kpi])
            ci = record.get(f"{kpi}_ci95")
            if replications > 1 and ci is not None and not (isinstance(ci, float) and math.isnan(ci)):
                text += f" ±{_format_number(ci)}"
            row.append(text)
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append(
            "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        )
    return "\n".join(lines)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chansim")
def cli() -> None:
    """chansim: simulate a sales channel (vendor -> distributors -> dealers -> customers)."""


@cli.command("run")
@click.argument("scenario", required=False, type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    default=0,
    show_default=True,
    help="Random seed (same seed, same results).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=36_500),
    default=None,
    help="Days to simulate [default: the scenario's horizon_days].",
)
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(min=1, max=100_000),
    default=1,
    show_default=True,
    help="Independent replications (KPIs then carry 95% half-widths).",
)
@click.option(
    "--warmup",
    type=click.IntRange(min=0, max=36_500),
    default=None,
    help="Days left out of the KPIs [default: the scenario's warmup_days].",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the tables (events, levels, orders, money, kpis) to this folder.",
)
@click.option(
    "--export-format",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format of the tables written by --out.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="How to print the KPI table.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run_command(
    scenario: str | None, seed: int, days: int | None, replications: int, warmup: int | None,
    out: Path | None, export_format: str, fmt: str, quiet: bool,
) -> None:  # fmt: skip
    """Simulate SCENARIO and print its KPIs.

    SCENARIO is a YAML file or the name of a bundled scenario (chansim scenarios lists them);
    default: the built-in channel.
    """
    from chansim.engine import SimulationError, replicate

    sc = _load(scenario)
    horizon = days if days is not None else sc.horizon_days
    warm = sc.warmup_days if warmup is None else warmup
    if warm >= horizon:
        raise BadInput(f"--warmup ({warm} days) must be shorter than the run ({horizon} days)")
    try:
        reps = replicate(
            sc, replications, seed=seed, days=horizon,
            progress=replications > 1 and not quiet, record_events=out is not None,
        )  # fmt: skip
    except SimulationError as exc:
        raise BadInput(str(exc)) from None
    if replications > 1:
        table = reps.kpis(warmup_days=warm)
    else:
        table = reps.results[0].kpis(warmup_days=warm)
    business = None
    if sc.business is not None and fmt != "csv":
        from chansim.business.kpis import business_kpis, summarize_business_kpis

        if replications > 1:
            business = summarize_business_kpis(reps, warmup_days=warm)
        else:
            business = business_kpis(reps.results[0], warmup_days=warm)
    if out is not None:
        from chansim.results import ExportError

        try:
            source = reps if replications > 1 else reps.results[0]
            source.export(out, export_format, extra={"kpis": table})
        except ExportError as exc:
            raise BadInput(f"--out {out}: {exc}") from None
        except OSError as exc:
            raise BadInput(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    if fmt == "json":
        document = {
            "scenario": sc.name,
            "seed": seed,
            "days": horizon,
            "warmup_days": warm,
            "replications": replications,
            "kpis": _records(table),
        }
        if business is not None:
            document["business_kpis"] = _records(business)
        click.echo(json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False))
    elif fmt == "csv":
        click.echo(table.to_csv(index=False), nl=False)
    else:
        title = f"{sc.name}: {horizon} days, seed {seed}"
        if replications > 1:
            title += f", {replications} replications (mean ±95% half-width)"
        click.echo(title)
        click.echo(_table(table, replications))
        if business is not None:
            click.echo("")
            click.echo("business KPIs")
            click.echo(_table(business, replications, BUSINESS_TABLE_KPIS))
        if out is not None:
            click.echo(f"tables written to {out}")


@cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
def validate_command(files: tuple[str, ...]) -> None:
    """Check scenario FILES (paths or bundled names); print what is wrong, exit 2 if any is invalid."""
    from chansim.io import find_scenario, load_scenario

    bad = 0
    for path in files:
        try:
            sc = load_scenario(find_scenario(path))
        except ScenarioError as exc:
            bad += 1
            click.echo(f"chansim: error: {exc}", err=True)
            continue
        click.echo(f"{path}: ok ({sc.name}: {len(sc.nodes)} nodes, {len(sc.skus)} skus, {len(sc.markets)} markets)")
    if bad:
        sys.exit(EXIT_BAD_INPUT)


@cli.command("scenarios")
@click.option("--paths", is_flag=True, help="Print the file of each scenario instead of its description.")
def scenarios_command(paths: bool) -> None:
    """List the bundled scenarios (run one by name: chansim run NAME)."""
    from chansim.io import bundled_scenarios, scenario_summary

    bundled = bundled_scenarios()
    if not bundled:
        raise BadInput("no bundled scenarios found: the chansim installation is incomplete")
    width = max(len(name) for name in bundled)
    for name, path in bundled.items():
        click.echo(f"{name.ljust(width)}  {path if paths else scenario_summary(path)}")


@cli.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of scenario files (for editors)."""
    from chansim.scenario import Scenario

    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "chansim scenario"
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@cli.command("generate")
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**63 - 1),
    required=True,
    help="Random seed (same seed and options, same file).",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="Scenario file to write (YAML); an existing file is replaced only with --force.",
)  # fmt: skip
@click.option("--force", is_flag=True, help="Replace an existing --out file (never a link, device or folder).")
@click.option(
    "--locale",
    type=click.Choice(["en_US", "zh_CN"]),
    default="en_US",
    show_default=True,
    help="Language of names, cities and contacts.",
)
@click.option("--regions", type=click.IntRange(min=1, max=50), default=3, show_default=True, help="Sales regions.")
@click.option(
    "--distributors",
    type=click.IntRange(min=0, max=500),
    default=None,
    help="Distributors (0: a 1-tier channel) [default: one per region].",
)
@click.option(
    "--dealers-per-distributor",
    type=click.IntRange(min=1, max=500),
    default=4,
    show_default=True,
    help="Dealers under each distributor (or per region for 1-tier).",
)
@click.option("--skus", type=click.IntRange(min=1, max=200), default=3, show_default=True, help="Products.")
@click.option(
    "--days",
    type=click.IntRange(min=7, max=36_500),
    default=365,
    show_default=True,
    help="Horizon of the scenario in days.",
)
@click.option("--name", type=str, default=None, help="Scenario name [default: generated-<seed>].")
@click.option(
    "--business",
    is_flag=True,
    help="Add a business section: partner tiers, credit and approvals, incentives, leads, training.",
)
@click.option(
    "--applicants",
    type=click.IntRange(min=0, max=50),
    default=0,
    show_default=True,
    help="With --business: Faker-made applicant dealers per region and a recruitment round that picks among them.",
)
def generate_command(
    seed: int, out: Path, force: bool, locale: str, regions: int, distributors: int | None,
    dealers_per_distributor: int, skus: int, days: int, name: str | None, business: bool, applicants: int,
) -> None:  # fmt: skip
    """Write a realistic channel scenario made up by Faker."""
    from chansim.generate import GeneratorOptions, generate_scenario
    from chansim.io import MAX_FILE_BYTES, scenario_to_yaml

    try:
        options = GeneratorOptions(
            seed=seed, locale=locale, regions=regions, distributors=distributors,
            dealers_per_distributor=dealers_per_distributor, skus=skus, days=days, name=name,
            business=business, applicants=applicants,
        )  # fmt: skip
        _check_output_file(out, force)  # before the generation, which may take a while
        scenario = generate_scenario(options)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    data = scenario_to_yaml(scenario).encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(
            f"the scenario would be {len(data):,} bytes, more than chansim reads ({MAX_FILE_BYTES:,}); "
            "choose fewer regions, dealers or skus"
        )
    _check_output_file(out, force)  # again: the path may have changed meanwhile
    _write_atomically(out, data)
    click.echo(f"wrote {out}: {len(scenario.nodes)} nodes, {len(scenario.skus)} skus, {len(scenario.markets)} markets")


def _check_output_file(out: Path, force: bool) -> None:
    """Refuse an --out that exists (without ``force``) or is anything but a regular file."""
    import stat

    try:
        info = os.lstat(out)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BadInput(f"--out {out}: cannot use this path ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise BadInput(f"--out {out}: is a directory; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise BadInput(
            f"--out {out}: exists and is not a regular file (a link, device, FIFO or socket); it is never replaced"
        )
    if not force:
        raise BadInput(f"--out {out}: exists; add --force to replace it")


def _write_atomically(out: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``out`` and rename it over ``out``: never half a file."""
    import tempfile

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise BadInput(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(f"--out {out}: cannot write ({exc.strerror or exc})") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@cli.command("serve")
@click.option(
    "--port", type=click.IntRange(min=1024, max=65535), default=8866, show_default=True,
    help="Port of the app (1024 to 65535).",
)  # fmt: skip
@click.option(
    "--notebooks", type=click.Path(path_type=str), default=None,
    help="Folder of the exercise notebooks [default: ./notebooks, else the one next to the package].",
)  # fmt: skip
@click.option(
    "--lang", type=click.Choice(["zh_CN", "en_US"]), default=None,
    help="Language the pages open in [default: English; switchable on every page].",
)  # fmt: skip
@click.option("--preheat/--no-preheat", default=True, show_default=True, help="Keep kernels ready so pages open fast.")
@click.option(
    "--pool-size", type=click.IntRange(min=1, max=16), default=1, show_default=True,
    help="Preheated kernels per notebook (one per trainee expected to open it at once).",
)  # fmt: skip
@click.option(
    "--ip", "ip", type=str, default="127.0.0.1", show_default=True,
    help="Address to listen on: an address of this machine (its LAN address for a class). Beyond 127.0.0.1 "
    "a token is required.",
)  # fmt: skip
@click.option(
    "--public", is_flag=True,
    help="Listen on every interface (0.0.0.0) so trainees on the LAN can connect; a token is required.",
)  # fmt: skip
@click.option(
    "--token", type=str, default=None, envvar="CHANSIM_TOKEN", show_envvar=True,
    help="Require this token (16 characters at least) in the URL. On the command line it is visible to every "
    "local user in ps: prefer the CHANSIM_TOKEN environment variable or --token-file. [default: generated "
    "when required; none on 127.0.0.1]",
)  # fmt: skip
@click.option(
    "--token-file", type=str, default=None,
    help="Read the token from the first line of this file (keep it private: chmod 600).",
)  # fmt: skip
@click.option(
    "--require-token", is_flag=True, help="Require a token on 127.0.0.1 too (one is generated if none is given).",
)  # fmt: skip
@click.option(
    "--allow-host", "allow_hosts", multiple=True, metavar="NAME",
    help="Also answer to this Host name (repeatable; e.g. the name trainees type). Always allowed: localhost, "
    "127.0.0.1, ::1, and beyond loopback this machine's host names and addresses. Other Host headers get 403.",
)  # fmt: skip
@click.option(
    "--store", type=str, default=None, metavar="URL",
    help="Where decisions are stored: an SQLAlchemy URL (sqlite:///FILE, postgresql+psycopg://...) [default: the "
    "CHANSIM_STORE variable, else an SQLite file in ~/.local/share/chansim].",
)  # fmt: skip
@click.option(
    "--max-kernels", type=click.IntRange(min=2, max=1000), default=60, show_default=True,
    help="Kernels alive at once, the preheated pool included (one a page; ~300 MB each). A page over the cap "
    "gets a 'class is full, try again in a minute' page.",
)  # fmt: skip
@click.option(
    "--max-kernels-per-client", type=click.IntRange(min=0, max=1000), default=4, show_default=True,
    help="Pages open at once from one address (0: no limit; use it behind a reverse proxy).",
)  # fmt: skip
@click.option(
    "--cull-idle", "cull_idle", type=click.IntRange(min=10, max=86400), default=60, show_default=True,
    metavar="SECONDS",
    help="Stop a page's kernel once its tab is gone (no connection) and it has been idle this long.",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Print the server settings (token redacted) instead of starting it.")
def serve_command(
    port: int, notebooks: str | None, lang: str | None, preheat: bool, pool_size: int, ip: str, public: bool,
    token: str | None, token_file: str | None, require_token: bool, allow_hosts: tuple[str, ...], store: str | None,
    max_kernels: int, max_kernels_per_client: int, cull_idle: int, dry_run: bool,
) -> None:  # fmt: skip
    """Start the training app (Voila, in this process) and print the URL of its home page.

    On 127.0.0.1 (the default) only this machine can connect. For a class on a LAN, use
    --public (or --ip ADDRESS): a token is then required; one is generated unless given
    (CHANSIM_TOKEN, --token-file or --token), and printed inside the URL to share.
    """
    import dataclasses

    from chansim.serve import (
        ServeError,
        ServeOptions,
        check_voila,
        find_notebooks,
        read_token_file,
        redact_url,
        resolve,
    )  # fmt: skip
    from chansim.serve.kernels import check_limits

    try:
        if token is not None and token_file is not None:
            raise ServeError("--token and --token-file: give one of them")
        if token_file is not None:
            token = read_token_file(token_file)
            if not token:
                raise ServeError(
                    f"--token-file {token_file}: empty; put the token (16 characters at least) on its first line"
                )
        if token is not None and not token.strip():
            raise ServeError(
                "--token (or CHANSIM_TOKEN): empty; give at least 16 printable characters, or none to have one "
                "generated"
            )
        folder = find_notebooks(notebooks)
        check_voila()
        options = ServeOptions(
            notebooks=folder, port=port, ip=ip, public=public, preheat=preheat,
            pool_size=pool_size, language=lang, token=token, require_token=require_token,
            allow_hosts=tuple(allow_hosts), store=store or _default_store_url(), max_kernels=max_kernels,
            max_kernels_per_client=max_kernels_per_client, cull_idle_seconds=cull_idle,
        )  # fmt: skip
        options = resolve(options, check_port=not dry_run)
        check_limits(options)
    except ServeError as error:
        raise BadInput(str(error)) from None
    if dry_run:
        from chansim.serve.launcher import build_config

        shown = dataclasses.replace(
            options, token="<redacted>" if options.token else None, store=redact_url(options.store or "") or None
        )
        click.echo(f"chansim serve settings: {shown.to_json(with_token=True)}")
        click.echo(f"url: {shown.share_url}")
        for section, values in build_config(options).items():
            for key, value in values.items():
                click.echo(f"{section}.{key} = {value!r}")
        return
    from chansim.serve import launcher

    try:
        store = launcher.open_store(options)  # a corrupt or locked store stops here, before any kernel
    except ServeError as error:
        raise BadInput(str(error)) from None
    shown_store = store.shown if store is not None else redact_url(options.store or "the default store")
    if options.token_required and not _is_loopback(options.bind_ip):
        _warn_exposed(options, shown_store)
    click.echo(f"chansim: serving {folder} with Voila; open {options.share_url}  (Ctrl-C stops)")
    click.echo(f"chansim: decisions are stored in {shown_store}")
    sys.stdout.flush()
    try:
        launcher.run(options, store=store)
    except ServeError as error:
        raise BadInput(str(error)) from None


def _is_loopback(ip: str) -> bool:
    from chansim.serve import is_loopback

    return is_loopback(ip)


def _default_store_url() -> str | None:
    """``chansim.store.default_url()`` once the store exists; None before."""
    import importlib.util

    if importlib.util.find_spec("chansim.store") is None:
        return os.environ.get("CHANSIM_STORE")
    import chansim.store

    default_url = getattr(chansim.store, "default_url", None)
    return default_url() if default_url else os.environ.get("CHANSIM_STORE")


def _warn_exposed(options: Any, store: str) -> None:
    where = "every interface (0.0.0.0)" if options.bind_ip == "0.0.0.0" else options.bind_ip
    click.echo(
        f"chansim: WARNING: the app listens on {where}, port {options.port}: anyone on the network who has the URL "
        "below (with its token) can open pages and start kernels on this machine, and play under any trainee name; "
        f"decisions are stored in {store}. Share the URL only with the class; "
        f"Ctrl-C stops the server. Host names answered: {', '.join(options.allow_hosts)}.",
        err=True,
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; unexpected errors print one line, not a traceback."""
    try:
        cli.main(args=argv, prog_name="chansim", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("chansim: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence: no tracebacks for users
        click.echo(f"chansim: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
