"""The `qihui` command line."""

from __future__ import annotations

import gc
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from qihui.bootstrap import Platform, bootstrap


def _platform() -> Platform:
    from qihui.settings import Settings

    try:
        settings = Settings.from_env()
    except ValueError as exc:  # a refused setting (a short key, …): say which, no traceback
        raise click.ClickException(str(exc)) from exc
    return bootstrap(settings)


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
    from workers.projector_process import ProjectorProcess

    platform = _platform()
    settings = platform.settings
    projector = None
    if settings.run_workers and settings.projector_process:
        platform.project_here = False  # the second core keeps the views (QIHUI_PROJECTOR_PROCESS=n: a thread)
        projector = ProjectorProcess()
        projector.start()
    mode = "PostgreSQL" if settings.is_postgres else f"SQLite {settings.sqlite_path}"
    where = ("by a child process" if projector else "in-process") if settings.run_workers \
        else "by `qihui worker projector`"
    click.echo(f"qihui: store {mode}; projections {where}")
    click.echo(f"qihui: API at http://{host}:{port}/api/v1 — OpenAPI UI at http://{host}:{port}/schema"
               f" (Swagger: /schema/swagger)")
    try:
        # The client address is read in one place (api.clients, QIHUI_TRUSTED_PROXIES): uvicorn
        # must not rewrite it from X-Forwarded-For on its own.
        app = create_app(platform)
        # Everything built so far lives as long as the process: the collector need not walk it on
        # every full collection (measured: a page's p99 54 -> 31 ms, bench/pages.py).
        gc.collect()
        gc.freeze()
        uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)
    finally:
        if projector is not None:
            projector.stop()
        platform.close()


# -- users ---------------------------------------------------------------------------
@main.group()
def users() -> None:
    """Accounts."""


NEW_PASSWORD_ENV = "QIHUI_NEW_PASSWORD"


@users.command("create-staff")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_staff(username: str, password_stdin: bool) -> None:
    """Create a staff (secretariat) account.

    The password comes from --password-stdin, else from the QIHUI_NEW_PASSWORD
    environment variable, else from a prompt (typed twice). Scripts and
    containers need no terminal."""
    import os

    from domain.errors import DomainError
    from domain.values import Actor
    from service.accounts import check_password_strength, create_account
    from service.credentials import PASSWORD_RULE

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif os.environ.get(NEW_PASSWORD_ENV):
        password = os.environ[NEW_PASSWORD_ENV]
    else:
        click.echo(PASSWORD_RULE, err=True)
        password = click.prompt("Password (密码)", hide_input=True, confirmation_prompt=True, err=True)
    try:
        check_password_strength(password, username)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
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


def _account_command(username: str, make: Any) -> tuple[Any, Platform]:
    """Run the command `make(platform, account)` on the account named `username`."""
    from domain.errors import DomainError
    from service.accounts import find_account

    platform = _platform()
    try:
        account = find_account(platform.app, username)
        if account is None:
            raise click.ClickException(f"no account {username!r}")
        return platform.writer.execute(make(platform, account))[0], platform
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        platform.close()


@users.command("disable")
@click.argument("username")
@click.option("--reason", required=True, help="Why (recorded with the event).")
def disable(username: str, reason: str) -> None:
    """Disable an account; its tokens stop working at once."""
    from domain.values import Actor
    from service.accounts import disable as disable_command

    _account_command(username, lambda p, a: disable_command(
        a.id, reason=reason, actor=Actor(id="cli", role="system"), now=p.clock.now()))
    click.echo(f"disabled {username}")


@users.command("enable")
@click.argument("username")
@click.option("--reason", required=True, help="Why (recorded with the event).")
def enable(username: str, reason: str) -> None:
    """Enable a disabled account again (its old tokens stay revoked)."""
    from domain.values import Actor
    from service.accounts import enable as enable_command

    _account_command(username, lambda p, a: enable_command(
        a.id, reason=reason, actor=Actor(id="cli", role="system")))
    click.echo(f"enabled {username}")


@users.command("reset-password")
@click.argument("username")
@click.option("--reason", default=None, help="Why (recorded with the event).")
def reset_password(username: str, reason: str | None) -> None:
    """Issue a single-use password reset (valid 24 hours); prints the token, which the
    holder uses at POST /api/v1/auth/password-resets/accept."""
    from domain.values import Actor
    from service.accounts import issue_password_reset

    issued, platform = _account_command(username, lambda p, a: issue_password_reset(
        a.id, now=p.clock.now(), actor=Actor(id="cli", role="system"),
        reason=reason or "qihui users reset-password"))
    click.echo(f"password reset for {username}, valid until "
               f"{issued.expires_at.astimezone(platform.settings.time_zone):%Y-%m-%d %H:%M}:")
    click.echo(issued.token)


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
@click.option("--dry-run", is_flag=True, help="Check every row and say what would happen to it; write nothing.")
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some rows are bad.")
@click.option("--dues-paid-through", "dues_paid_through", type=click.IntRange(1949, 2100), default=None,
              metavar="YEAR", help="Dues are paid up to and including YEAR for every row whose file says no later.")
@click.option("--allow-lapse", is_flag=True,
              help="Import even if members would lapse at the scheduler's next tick (dues unpaid after grace).")
def members_import(file: Path, dry_run: bool, skip_bad: bool, dues_paid_through: int | None,
                   allow_lapse: bool) -> None:
    """Import an existing member list, or a roster this platform exported (CSV or
    XLSX). Headers: 单位名称, 统一社会信用代码, 单位类型, 所属行业, 联系人, 联系电话 and,
    for members, 入会日期; optional 会员等级, 会籍状态, 状态生效日期, 地址, 电子邮箱,
    其他联系人, 企业库, 成长阶段, 最近缴费年度, 会费缴纳记录, 申请日期. Running the same file
    again changes nothing.

    Dues fall due on 1 January; members whose dues for this year are unpaid after
    QIHUI_DUES_GRACE_DAYS lapse at the scheduler's next tick. The import refuses to
    leave members in that state unless --allow-lapse: give the dues position in the
    file or with --dues-paid-through."""
    from domain.values import Actor
    from service.roster_files import plan_import, read_table, run_import

    platform = _platform()
    try:
        plan = plan_import(read_table(file), lambda code: _is_registered(platform, code),
                           today=platform.clock.today(), grace_days=platform.settings.dues_grace_days,
                           dues_paid_through=dues_paid_through)
        for p in plan.problems:
            click.echo(f"第 {p.row} 行 row {p.row}: {p.message}", err=True)
        if dry_run:
            for o in plan.outcomes:
                click.echo(f"第 {o.row} 行 {o.name}（{o.credit_code}）：{o.text}")
            for row, code in plan.existing:
                click.echo(f"第 {row} 行（{code}）：已登记，跳过 (already registered)")
        click.echo(f"{plan.rows} rows: {len(plan.ready)} to import, {len(plan.existing)} already "
                   f"registered, {len(plan.problems)} problems, {len(plan.lapsing)} would lapse at the "
                   f"scheduler's next tick")
        if plan.lapsing:
            click.echo(f"{len(plan.lapsing)} 家会员 {plan.today.year} 年会费未缴且宽限期 {plan.grace_days} 天已过，"
                       f"导入后将在下次定时任务时失效：" + "、".join(f"第 {o.row} 行" for o in plan.lapsing[:20])
                       + ("…" if len(plan.lapsing) > 20 else ""), err=True)
        if dry_run:
            raise SystemExit(1 if plan.problems or (plan.lapsing and not allow_lapse) else 0)
        if plan.problems and not skip_bad:
            raise click.ClickException("nothing imported: fix the rows above, or pass --skip-bad")
        if plan.lapsing and not allow_lapse:
            from service.roster_files import ImportWouldLapse

            raise click.ClickException(ImportWouldLapse(plan).message)
        imported = run_import(platform.writer, plan, Actor(id="cli", role="system"), platform.views,
                              allow_lapse=allow_lapse)
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
@click.option("--known-as-of", "known_as_of", default=None,
              help="An ISO instant (2026-03-01T09:00+08:00): the roster as the records stood then.")
def members_export(file: Path, status: str | None, as_of: str | None, known_as_of: str | None) -> None:
    """Export the roster to FILE (.csv or .xlsx, by its extension)."""
    from datetime import date, datetime

    from projections.known import known_instant
    from projections.roster import RosterQuery
    from service.roster_files import export_roster

    fmt = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
    platform = _platform()
    try:
        platform.runner.catch_up()
        day = date.fromisoformat(as_of) if as_of else None
        instant = None
        if known_as_of:
            moment = datetime.fromisoformat(known_as_of)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=platform.settings.time_zone)
            instant = known_instant(moment)
            day = day or moment.astimezone(platform.settings.time_zone).date()
        query = RosterQuery(status=status, as_of=day, known_as_of=instant)
        file.write_bytes(export_roster(platform.views, query, fmt))
    finally:
        platform.close()
    click.echo(f"wrote {file}")


# -- schema ---------------------------------------------------------------------------
@main.command()
def migrate() -> None:
    """Create or upgrade the event store, the key store and the views, then exit: run it once
    before the other processes (compose.yaml does). A view whose definition changed is
    emptied and replayed here, before the API serves it. Any process does the same at start,
    taking turns under a lock, so forgetting this step is slow, never wrong."""
    platform = _platform()
    try:
        replayed = platform.runner.catch_up()
        positions = platform.views.positions([v.name for v in platform.runner.views])
        click.echo(f"schema ready; {replayed} events applied; every view at {min(positions.values(), default=0)}")
    finally:
        platform.close()


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
        platform.runner.settle([name] if name else None)  # statistics and visibility for the queries
    finally:
        platform.close()
    click.echo(f"replayed {total} events")


# -- audit -----------------------------------------------------------------------------
@main.group()
def audit() -> None:
    """Tamper evidence."""


@audit.command("verify")
@click.option("--anchors", "anchor_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An anchors file (JSON lines) to check against, e.g. an auditor's copy; repeatable. "
                   "Default: $QIHUI_DATA_DIR/anchors.jsonl and, with QIHUI_NATS_URL, the stream QIHUI_ANCHORS.")
@click.option("--json", "as_json", is_flag=True)
def audit_verify(anchor_files: tuple[Path, ...], as_json: bool) -> None:
    """Recompute the hash chain over the stored log and hold it against every anchor
    (exit 1 naming the first bad position)."""
    from projections.chain import verify_platform

    platform = _platform()
    try:
        platform.runner.catch_up()
        result = verify_platform(platform, list(anchor_files) if anchor_files else None)
    finally:
        platform.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    elif result["ok"]:
        click.echo(f"intact: {result['checked']} records verified, {result['anchors_checked']} anchors held")
    elif result["first_bad_position"] is None:
        click.echo(f"NOT VERIFIED: {result['problem']}: {result['detail']}", err=True)
    else:
        click.echo(f"ALTERED: first bad record at position {result['first_bad_position']} "
                   f"({result['problem']}: {result['detail']}; {result['checked']} verified before it)", err=True)
    if not result["ok"]:
        raise SystemExit(1)


@audit.command("anchor")
def audit_anchor() -> None:
    """Sign the chain head and publish it: appended to $QIHUI_DATA_DIR/anchors.jsonl and,
    with QIHUI_NATS_URL, to the stream QIHUI_ANCHORS (the scheduler does this every
    QIHUI_ANCHOR_INTERVAL). Refused when the chain does not verify since the last anchor."""
    from projections.chain import anchor_platform

    platform = _platform()
    try:
        platform.runner.catch_up()
        anchor, result = anchor_platform(platform, force=True)
        latest = platform.anchors.latest()
    finally:
        platform.close()
    if result is not None and not result["ok"]:
        click.echo(f"NOT ANCHORED: position {result['first_bad_position']} ({result['problem']}: "
                   f"{result['detail']})", err=True)
        raise SystemExit(1)
    if anchor is None:
        if latest is None:
            click.echo("nothing to anchor: the chain is empty")
        else:
            click.echo(f"unchanged since anchor #{latest.seq} at position {latest.position} ({latest.signed_at})")
        return
    click.echo(f"anchored link #{anchor.seq} at position {anchor.position} with key {anchor.key_id} "
               f"({anchor.signed_at}) in {platform.anchors.path}")


@audit.command("rotate-key")
def audit_rotate_key() -> None:
    """Start signing new links with a new chain key; old keys stay for verification."""
    import secrets

    from projections.chain import ChainKeys, key_id, new_key_file
    from qihui.settings import Settings

    try:
        settings = Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if settings.chain_keys:
        fresh = secrets.token_urlsafe(48)
        click.echo("The chain key comes from QIHUI_CHAIN_KEY. To rotate it, on every API replica and worker:\n"
                   "  1. append the current QIHUI_CHAIN_KEY to QIHUI_CHAIN_KEYS_RETIRED (comma-separated, "
                   "oldest first; never drop a key that signed links),\n"
                   f"  2. set QIHUI_CHAIN_KEY to this new key (id {key_id(fresh.encode())}):\n{fresh}\n"
                   "  3. restart them, then run `qihui audit anchor`.")
        return
    assert settings.chain_key_dir is not None
    old = ChainKeys((), settings.chain_key_dir).current()[0]
    new = key_id(new_key_file(settings.chain_key_dir))
    click.echo(f"chain key {new} signs new links from now on (running processes pick it up with their next "
               f"batch); {old} and older keys stay in {settings.chain_key_dir} for verification: keep them "
               "and back them up")


@main.command()
@click.option("--from", "from_", required=True, help="First day, YYYY-MM-DD (inclusive).")
@click.option("--to", "to", required=True, help="Last day, YYYY-MM-DD (inclusive).")
def stats(from_: str, to: str) -> None:
    """The period's figures (members, sessions, alliances) as JSON."""
    from datetime import date

    platform = _platform()
    try:
        platform.runner.catch_up()
        figures = platform.summary(date.fromisoformat(from_), date.fromisoformat(to))
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
@click.option("--with-parent", type=int, default=None, hidden=True,
              help="Stop when this process (the `qihui serve` that started it) is gone.")
def worker_projector(interval: float, with_parent: int | None) -> None:
    """Follow the event log and keep every view up to date."""
    from workers.lease import lead

    platform = _platform()
    stop = _until_signalled()
    if with_parent is not None:
        def orphaned() -> None:  # the API may die without a word (kill -9): never outlive it
            while not stop.wait(0.5):
                if os.getppid() != with_parent:
                    stop.set()

        threading.Thread(target=orphaned, name="qihui-parent-watch", daemon=True).start()
    click.echo("projector: following the event log")
    try:
        # One projector works at a time; a second one waits as a hot standby (issue 21): two
        # would both apply every batch and lose half of them to the other's tracking.
        lead(platform.settings, "projector", stop, lambda until: platform.runner.run_forever(until, interval))
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


@worker.command("notifier")
def worker_notifier() -> None:
    """Send notices (e-mail, SMS, WeChat) as events happen: a durable JetStream consumer on
    QIHUI_EVENTS with QIHUI_NATS_URL, else following the event log directly."""
    platform = _platform()
    channels = {k: v for k, v in platform.settings.notice_channels().items() if k != "inbox"}
    stop = _until_signalled()
    click.echo("notifier: " + ", ".join(f"{k} {v}" for k, v in channels.items()))
    try:
        if platform.settings.nats_url:
            from workers.notifier_nats import run_nats_notifier

            click.echo(f"notifier: consuming QIHUI_EVENTS at {platform.settings.nats_url}")
            run_nats_notifier(platform, stop)
        else:
            from workers.notifier import run_notifier

            click.echo("notifier: following the event log")
            run_notifier(platform, stop)
    finally:
        platform.close()


# -- notices ---------------------------------------------------------------------------
@main.group()
def notices() -> None:
    """Notices that could not be sent."""


@notices.command("failed")
@click.option("--json", "as_json", is_flag=True)
def notices_failed(as_json: bool) -> None:
    """Notices given up on: the dead-letter stream QIHUI_NOTICES_DLQ (with QIHUI_NATS_URL), or
    the sends given up, refused by a gateway, or left in doubt by a worker that died."""
    import asyncio

    platform = _platform()
    try:
        if platform.settings.nats_url:
            from workers.notifier_nats import dead_letters

            rows = [{k: v for k, v in r.items() if k != "fact"} for r in asyncio.run(dead_letters(
                platform.settings.nats_url))]
        else:
            from workers.notifier import Notifier

            rows = Notifier(platform, channels={}).failed()
    finally:
        platform.close()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no failed notices")
    for r in rows:
        click.echo("  ".join(f"{k}={v}" for k, v in r.items()))


@notices.command("retry")
def notices_retry() -> None:
    """Try the failed notices again now (what went through leaves the failed list)."""
    import asyncio

    from workers.notifier import Notifier

    platform = _platform()
    notifier = Notifier(platform)
    try:
        if platform.settings.nats_url:
            from workers.notifier_nats import retry_dead_letters

            sent, still = asyncio.run(retry_dead_letters(platform.settings.nats_url, notifier))
            left = len(still)
        else:
            outcome = notifier.replay(sorted({r["position"] for r in notifier.failed() if r["status"] == "dead"}))
            sent, left = outcome.sent, len(outcome.failures)
    finally:
        notifier.close()
        platform.close()
    click.echo(f"sent {sent} notices; {left} still failing")
    if left:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
