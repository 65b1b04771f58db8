"""The `qihui` command line."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path

import click

from qihui.bootstrap import Platform, bootstrap


def _platform() -> Platform:
    return bootstrap()


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO level.")
def main(verbose: bool) -> None:
    """企会 qihui: membership, sessions and alliances for innovation associations."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Start the platform (embedded default: SQLite under ./var, no services)."""
    import uvicorn

    from api.app import create_app

    platform = _platform()
    mode = "PostgreSQL" if platform.settings.is_postgres else f"SQLite {platform.settings.sqlite_path}"
    click.echo(f"qihui: store {mode}; projections "
               f"{'in-process' if platform.settings.run_workers else 'by `qihui worker projector`'}")
    click.echo(f"qihui: API at http://{host}:{port}/api/v1 — OpenAPI UI at http://{host}:{port}/schema"
               f" (Swagger: /schema/swagger)")
    try:
        uvicorn.run(create_app(platform), host=host, port=port, log_level="warning")
    finally:
        platform.close()


# -- users ---------------------------------------------------------------------------
@main.group()
def users() -> None:
    """Accounts."""


@users.command("create-staff")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_staff(username: str, password_stdin: bool) -> None:
    """Create a staff (secretariat) account."""
    from domain.errors import DomainError
    from domain.values import Actor
    from service.accounts import create_account

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    platform = _platform()
    try:
        command = create_account(username, password, "staff", None,
                                 Actor(id="cli", role="system"), reason="qihui users create-staff")
        account_id, position = platform.writer.execute(command)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        platform.close()
    click.echo(f"created staff account {username} ({account_id}) at position {position}")


@users.command("invite")
@click.argument("organisation_id", required=False)
@click.option("--email", required=True, help="The invited person's e-mail address.")
@click.option("--role", type=click.Choice(["member", "reviewer", "auditor", "staff"]), default="member",
              show_default=True)
@click.option("--affiliation", "affiliation", default=None,
              help="For reviewers: the organisation they work for.")
def invite(organisation_id: str | None, email: str, role: str, affiliation: str | None) -> None:
    """Invite a person; prints the single-use token (valid seven days)."""
    from uuid import UUID

    from domain.errors import DomainError
    from domain.values import Actor
    from service.accounts import invite as invite_command

    platform = _platform()
    try:
        command = invite_command(
            email=email, role=role, organisation_id=UUID(organisation_id) if organisation_id else None,
            affiliation_organisation_id=UUID(affiliation) if affiliation else None,
            now=platform.clock.now(), actor=Actor(id="cli", role="system"))
        issued, _ = platform.writer.execute(command)
    except (DomainError, ValueError) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from exc
    finally:
        platform.close()
    click.echo(f"invitation for {email} ({role}), valid until "
               f"{issued.expires_at.astimezone(platform.settings.time_zone):%Y-%m-%d %H:%M}:")
    click.echo(issued.token)


@users.command("disable")
@click.argument("username")
@click.option("--reason", required=True, help="Why (recorded with the event).")
def disable(username: str, reason: str) -> None:
    """Disable an account; its tokens stop working at once."""
    from domain.errors import DomainError
    from domain.values import Actor
    from service.accounts import disable as disable_command
    from service.accounts import find_account

    platform = _platform()
    try:
        account = find_account(platform.app, username)
        if account is None:
            raise click.ClickException(f"no account {username!r}")
        platform.writer.execute(disable_command(account.id, reason=reason,
                                                actor=Actor(id="cli", role="system")))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        platform.close()
    click.echo(f"disabled {username}")


@users.command("list")
def list_users() -> None:
    """Every account with its role and status."""
    from projections.accounts import list_accounts

    platform = _platform()
    try:
        platform.runner.catch_up()
        rows = list_accounts(platform.views)
    finally:
        platform.close()
    click.echo(f"{'username':<24}{'role':<10}{'status':<10}{'organisation':<38}last sign-in")
    for r in rows:
        click.echo(f"{r['username']:<24}{r['role'] or '-':<10}{r['status']:<10}"
                   f"{r['organisation_id'] or '-':<38}{r['last_sign_in_at'] or '-'}")


# -- members -------------------------------------------------------------------------
@main.group()
def members() -> None:
    """The member roster as files."""


@members.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing.")
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some rows are bad.")
def members_import(file: Path, dry_run: bool, skip_bad: bool) -> None:
    """Import an existing member list (CSV or XLSX with Chinese headers: 单位名称,
    统一社会信用代码, 单位类型, 所属行业, 联系人, 联系电话, 入会日期; optional 地址,
    电子邮箱, 会员等级). Running the same file again changes nothing."""
    from domain.values import Actor
    from service.roster_files import plan_import, read_table, run_import

    platform = _platform()
    try:
        plan = plan_import(read_table(file), lambda code: _is_registered(platform, code))
        for p in plan.problems:
            click.echo(f"第 {p.row} 行 row {p.row}: {p.field}: {p.message}", err=True)
        click.echo(f"{plan.rows} rows: {len(plan.ready)} to import, {len(plan.existing)} already "
                   f"registered, {len(plan.problems)} problems")
        if dry_run:
            raise SystemExit(1 if plan.problems else 0)
        if plan.problems and not skip_bad:
            raise click.ClickException("nothing imported: fix the rows above, or pass --skip-bad")
        imported = run_import(platform.writer, plan, Actor(id="cli", role="system"), platform.views)
        click.echo(f"imported {imported} organisations")
    finally:
        platform.close()


def _is_registered(platform: Platform, credit_code: str) -> bool:
    from eventsourcing.application import AggregateNotFoundError

    from domain.unique import claim_id

    try:
        platform.app.repository.get(claim_id("credit_code", credit_code))
    except AggregateNotFoundError:
        return False
    return True


@members.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--status", default=None)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD: the roster as it stood that day.")
def members_export(file: Path, status: str | None, as_of: str | None) -> None:
    """Export the roster to FILE (.csv or .xlsx, by its extension)."""
    from datetime import date

    from projections.roster import RosterQuery
    from service.roster_files import export_roster

    fmt = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
    platform = _platform()
    try:
        platform.runner.catch_up()
        query = RosterQuery(status=status, as_of=date.fromisoformat(as_of) if as_of else None)
        file.write_bytes(export_roster(platform.views, query, fmt))
    finally:
        platform.close()
    click.echo(f"wrote {file}")


# -- projections ---------------------------------------------------------------------
@main.group()
def projections() -> None:
    """Read models."""


@projections.command("status")
@click.option("--json", "as_json", is_flag=True)
def projections_status(as_json: bool) -> None:
    """Position, head and lag per view."""
    platform = _platform()
    try:
        head = platform.runner.head()
        rows = {name: {"position": pos, "head": head, "lag": max(head - pos, 0)}
                for name, pos in platform.views.positions(
                    [v.name for v in platform.runner.views]).items()}
    finally:
        platform.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'view':<20}{'position':>12}{'head':>12}{'lag':>10}")
    for name, row in rows.items():
        click.echo(f"{name:<20}{row['position']:>12}{row['head']:>12}{row['lag']:>10}")


@projections.command("rebuild")
@click.argument("name", required=False)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def projections_rebuild(name: str | None, yes: bool) -> None:
    """Empty a view (every view without NAME) and replay the whole log into it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    platform = _platform()
    try:
        known = [v.name for v in platform.runner.views]
        if name is not None and name not in known:
            raise click.BadParameter(f"unknown view {name!r}; views: {', '.join(known)}")
        if not yes:
            click.confirm(f"Rebuild {name or 'every view'} from the event log?", abort=True)
        head = platform.runner.head()
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn()) as bar:
            task = bar.add_task(f"rebuilding {name or 'all views'}", total=head)
            total = platform.runner.rebuild([name] if name else None,
                                            progress=lambda n: bar.advance(task, n))
            bar.update(task, completed=head)
    finally:
        platform.close()
    click.echo(f"replayed {total} events")


# -- audit -----------------------------------------------------------------------------
@main.group()
def audit() -> None:
    """Tamper evidence."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain over the stored log (exit 1 naming the first bad position)."""
    from projections.audit import verify

    platform = _platform()
    try:
        platform.runner.catch_up()
        result = verify(platform.app.recorder, platform.views, platform.settings.secret_key)
    finally:
        platform.close()
    if result["ok"]:
        click.echo(f"intact: {result['checked']} records verified")
        return
    click.echo(f"ALTERED: first bad record at position {result['first_bad_position']} "
               f"({result['checked']} verified before it)", err=True)
    raise SystemExit(1)


@main.command()
@click.option("--from", "from_", required=True, help="First day, YYYY-MM-DD (inclusive).")
@click.option("--to", "to", required=True, help="Last day, YYYY-MM-DD (inclusive).")
def stats(from_: str, to: str) -> None:
    """The period's figures (members, sessions, alliances) as JSON."""
    from datetime import date

    from projections.figures import summary

    platform = _platform()
    try:
        platform.runner.catch_up()
        figures = summary(platform.views, date.fromisoformat(from_), date.fromisoformat(to),
                          platform.settings.time_zone)
    finally:
        platform.close()
    click.echo(json.dumps(figures, ensure_ascii=False, indent=2))


# -- workers -------------------------------------------------------------------------
@main.group()
def worker() -> None:
    """Long-running processes for distributed mode."""


def _until_signalled() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


@worker.command("projector")
@click.option("--interval", default=0.05, show_default=True, help="Seconds between polls.")
def worker_projector(interval: float) -> None:
    """Follow the event log and keep every view up to date."""
    platform = _platform()
    stop = _until_signalled()
    click.echo("projector: following the event log")
    try:
        platform.runner.run_forever(stop, interval)
    finally:
        platform.close()


@worker.command("scheduler")
def worker_scheduler() -> None:
    """Run the clock's jobs (lapse members with overdue dues, …) every interval."""
    from workers.scheduler import run_scheduler

    platform = _platform()
    stop = _until_signalled()
    click.echo(f"scheduler: ticking every {platform.settings.scheduler_interval:g}s")
    try:
        run_scheduler(platform, stop)
    finally:
        platform.close()


@worker.command("relay")
def worker_relay() -> None:
    """Publish every stored event to the NATS JetStream stream QIHUI_EVENTS."""
    from workers.relay import run_relay

    platform = _platform()
    if not platform.settings.nats_url:
        platform.close()
        raise click.ClickException("QIHUI_NATS_URL is not set")
    stop = _until_signalled()
    try:
        run_relay(platform, stop)
    finally:
        platform.close()


if __name__ == "__main__":
    main()
