"""The tamper-evident hash chain over the stored event log, its keys and its anchors.

Each stored record gets one link: an HMAC-SHA256, under the chain key (never
the token key), over the record's stored bytes, its position, the link's
sequence number, the key's id and the previous link. Changing, removing or
reordering a record breaks every link from there on.

The chain only grows. Its rows are inserted once and never recomputed: the
projector refuses to sign a position again when the chain's tracking row was
moved back, when links are missing, or when the chain is shorter than an
anchor or than what this process has seen (`ViewHalted`; the runner stops the
view and logs the position), and `verify` reports each of those.

Anchors put the chain outside the database: the head (position, link number,
link, key id, time) signed with the chain key, appended to an append-only
file under the data directory and, in distributed mode, published to the
JetStream stream QIHUI_ANCHORS. Verification checks the history against every
anchor, so cutting the newest records and their links off, or re-signing a
stretch of history, is found at the anchored position.

Keys: `QIHUI_CHAIN_KEY` (with `QIHUI_CHAIN_KEYS_RETIRED`, oldest first), or a
key ring of numbered files under `$QIHUI_DATA_DIR/chain_keys/`. Every link
names its key by id (the first 8 hex digits of the key's SHA-256), so keys
can be rotated without breaking old links; along the chain a key never
follows a newer one.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import msgspec

from projections.runner import ViewHalted
from projections.store import Tx, ViewDatabase
from projections.view import View

log = logging.getLogger(__name__)

CHAIN = "qihui_chain"
VIEW = "chain"
MIN_KEY_BYTES = 32
ANCHOR_STREAM = "QIHUI_ANCHORS"
ANCHOR_SUBJECT = "qihui.anchors"
_KEY_FILE = re.compile(r"^(\d+)\.key$")


# -- keys ----------------------------------------------------------------------------------------------
def key_id(key: bytes) -> str:
    """A key's public name: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(key).hexdigest()[:8]


def _private_dir(path: Path) -> None:
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)


def read_key_dir(directory: Path) -> list[bytes]:
    """The key ring's files (`0001.key`, `0002.key`, …), oldest first."""
    if not directory.is_dir():
        return []
    numbered = sorted((int(m.group(1)), name) for name in os.listdir(directory)
                      if (m := _KEY_FILE.match(name)))
    keys = []
    for _, name in numbered:
        key = (directory / name).read_text().strip().encode()
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"chain key file {directory / name} holds fewer than {MIN_KEY_BYTES} bytes")
        keys.append(key)
    return keys


def new_key_file(directory: Path) -> bytes:
    """Add a fresh key to the ring (a new numbered file, 0600); it signs from now on."""
    _private_dir(directory)
    numbers = [int(m.group(1)) for name in os.listdir(directory) if (m := _KEY_FILE.match(name))]
    path = directory / f"{max(numbers, default=0) + 1:04d}.key"
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    return key.encode()


class ChainKeys:
    """The key ring: every key that signed links (for verification) and the
    newest one (for new links). Keys from the environment come after the ring
    directory's files; `refresh()` picks up a key added by `qihui audit rotate-key`."""

    def __init__(self, configured: Sequence[bytes] = (), directory: Path | None = None):
        self.configured = tuple(configured)
        self.directory = directory
        self._seen: frozenset[str] | None = None
        self._order: dict[str, int] = {}
        self._keys: dict[str, bytes] = {}
        self.refresh()

    def refresh(self) -> None:
        names = frozenset(os.listdir(self.directory)) if self.directory and self.directory.is_dir() else frozenset()
        if names == self._seen and self._keys:
            return
        ring: dict[str, bytes] = {}
        for key in [*(read_key_dir(self.directory) if self.directory else []), *self.configured]:
            kid = key_id(key)
            if kid in ring and ring[kid] != key:
                raise ValueError(f"two chain keys share the id {kid}; replace one of them")
            ring.pop(kid, None)  # a key listed again counts at its later place
            ring[kid] = key
        if not ring:
            raise ValueError("no chain key: set QIHUI_CHAIN_KEY or create one under the data directory")
        self._keys = ring
        self._order = {kid: i for i, kid in enumerate(ring)}
        self._seen = names

    def current(self) -> tuple[str, bytes]:
        kid = next(reversed(self._keys))
        return kid, self._keys[kid]

    def get(self, kid: str) -> bytes | None:
        return self._keys.get(kid)

    def order(self, kid: str) -> int:
        return self._order[kid]

    def ids(self) -> list[str]:
        return list(self._keys)


# -- links -----------------------------------------------------------------------------------------------
def link(key: bytes, previous: str, seq: int, position: int, kid: str, originator_id: Any, version: int,
         topic: str, state: bytes) -> str:
    """HMAC-SHA256 over the stored record's bytes, its place (position and link
    number), the signing key's id and the previous link."""
    head = f"{previous}|{seq}|{position}|{kid}|{originator_id}|{version}|{topic}|".encode()
    return hmac.new(key, head + bytes(state), hashlib.sha256).hexdigest()


class HashChainView(View):
    """Links each stored record to the one before it, as records are projected.
    Insert-only: a position that has a link is never signed again."""

    name = VIEW
    tables = (CHAIN,)
    ddl = (f"CREATE TABLE IF NOT EXISTS {CHAIN} (position BIGINT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE, "
           "previous_position BIGINT, key_id TEXT NOT NULL, link TEXT NOT NULL)",)
    raw = True  # gets the stored notifications, not decoded events
    rebuildable: ClassVar[bool] = False  # the chain only grows

    def __init__(self, keys: ChainKeys, anchors: AnchorLog | None = None):
        self.keys = keys
        self.anchors = anchors
        self._highest_seen = 0  # the longest chain this process has seen

    def clear(self, tx: Tx) -> None:
        raise ViewHalted(self.name, 0, "the hash chain only grows; it is never emptied or rebuilt")

    def check(self, tx: Tx, tracked: int) -> None:
        """Before signing anything after `tracked`: refuse when the chain's own
        bookkeeping shows that history was cut back or the tracking row moved."""
        top = tx.fetchone(f"SELECT position, seq FROM {CHAIN} ORDER BY position DESC LIMIT 1")
        position, seq = (int(top["position"]), int(top["seq"])) if top else (0, 0)
        if position > tracked:
            first = int(tx.scalar(f"SELECT MIN(position) FROM {CHAIN} WHERE position > ?", (tracked,)))
            raise ViewHalted(self.name, first, f"the chain's tracking row was moved back to {tracked} but links "
                                               f"exist up to {position}: refusing to sign position {first} again")
        if position < tracked:
            raise ViewHalted(self.name, position + 1, f"links after position {position} are missing (tracking "
                                                      f"row at {tracked}): refusing to go on")
        if seq < self._highest_seen:
            raise ViewHalted(self.name, position + 1, f"the chain shrank from {self._highest_seen} to {seq} links "
                                                      f"(head now at position {position}): refusing to re-sign")
        try:
            anchor = self.anchors.latest() if self.anchors else None
        except ValueError as exc:  # an edited anchors file: evidence first
            raise ViewHalted(self.name, position + 1, f"the anchors file is unreadable: {exc}") from exc
        if anchor is not None and (anchor.seq > seq or anchor.position > position):
            raise ViewHalted(self.name, anchor.position, f"anchor #{anchor.seq} at position {anchor.position} "
                                                         f"({anchor.signed_at}) is beyond the chain's head "
                                                         f"(#{seq} at {position}): refusing to re-sign")
        self._highest_seen = seq

    def apply(self, tx: Tx, events: Sequence[tuple[int, Any]]) -> None:
        if not events:
            return
        self.keys.refresh()
        kid, key = self.keys.current()
        last = tx.fetchone(f"SELECT position, seq, link FROM {CHAIN} ORDER BY position DESC LIMIT 1")
        previous_position, seq, previous = ((int(last["position"]), int(last["seq"]), last["link"]) if last
                                            else (None, 0, ""))
        if previous_position is not None and events[0][0] <= previous_position:
            raise ViewHalted(self.name, events[0][0], f"position {events[0][0]} is already signed")
        rows = []
        for pos, n in events:
            seq += 1
            previous = link(key, previous, seq, pos, kid, n.originator_id, n.originator_version, n.topic, n.state)
            rows.append((pos, seq, previous_position, kid, previous))
            previous_position = pos
        tx.insert_rows(CHAIN, ("position", "seq", "previous_position", "key_id", "link"), rows,
                       types=("BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT"))


def chain_head(db: ViewDatabase) -> dict[str, Any] | None:
    with db.read() as tx:
        row = tx.fetchone(f"SELECT position, seq, key_id, link FROM {CHAIN} ORDER BY position DESC LIMIT 1")
    return None if row is None else {**row, "position": int(row["position"]), "seq": int(row["seq"])}


# -- anchors ----------------------------------------------------------------------------------------------
class Anchor(msgspec.Struct, frozen=True, kw_only=True):
    """A signed chain head: link number `seq` at `position` was `link`."""

    position: int
    seq: int
    link: str
    key_id: str  # the key that signed this anchor
    signed_at: str
    signature: str

    @staticmethod
    def message(position: int, seq: int, link_: str, kid: str, signed_at: str) -> bytes:
        return f"qihui-anchor|{position}|{seq}|{link_}|{kid}|{signed_at}".encode()

    @classmethod
    def sign(cls, keys: ChainKeys, position: int, seq: int, link_: str, signed_at: str) -> Anchor:
        kid, key = keys.current()
        mac = hmac.new(key, cls.message(position, seq, link_, kid, signed_at), hashlib.sha256).hexdigest()
        return cls(position=position, seq=seq, link=link_, key_id=kid, signed_at=signed_at, signature=mac)

    def signed_by(self, keys: ChainKeys) -> bool:
        key = keys.get(self.key_id)
        if key is None:
            return False
        mac = hmac.new(key, self.message(self.position, self.seq, self.link, self.key_id, self.signed_at),
                       hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, self.signature)


_encode_anchor = msgspec.json.Encoder().encode
_decode_anchor = msgspec.json.Decoder(Anchor).decode


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in a JSON-lines file (an auditor's copy or our own)."""
    anchors = []
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    anchors.append(_decode_anchor(line))
                except msgspec.DecodeError as exc:
                    raise ValueError(f"{path}, line {number}: not an anchor ({exc})") from exc
    return anchors


class AnchorLog:
    """The append-only anchor file under the data directory (0600, one JSON line per anchor)."""

    def __init__(self, path: Path):
        self.path = path
        self._stat: tuple[int, int] | None = None
        self._latest: Anchor | None = None

    def append(self, anchor: Anchor) -> None:
        _private_dir(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as f:
            f.write(_encode_anchor(anchor) + b"\n")
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[Anchor]:
        return read_anchors(self.path) if self.path.exists() else []

    def latest(self) -> Anchor | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        if self._stat != (st.st_size, st.st_mtime_ns):
            anchors = self.read()
            self._latest = max(anchors, key=lambda a: a.seq) if anchors else None
            self._stat = (st.st_size, st.st_mtime_ns)
        return self._latest


# -- verification --------------------------------------------------------------------------------------------
def _links(db: ViewDatabase, after: int, batch: int) -> Iterator[dict[str, Any]]:
    while True:
        with db.read() as tx:
            rows = tx.fetchall(f"SELECT position, seq, previous_position, key_id, link FROM {CHAIN} "
                               "WHERE position > ? ORDER BY position LIMIT ?", (after, batch))
        if not rows:
            return
        yield from rows
        after = int(rows[-1]["position"])


def _records(recorder: Any, after: int, batch: int) -> Iterator[Any]:
    while True:
        notes = recorder.select_notifications(start=after, limit=batch, inclusive_of_start=False)
        if not notes:
            return
        yield from notes
        after = notes[-1].id


class _Failure(msgspec.Struct, frozen=True):
    position: int
    problem: str
    detail: str


def verify(recorder: Any, db: ViewDatabase, keys: ChainKeys, anchors: Iterable[Anchor] = (), *,
           start: Anchor | None = None, halted: ViewHalted | None = None, batch: int = 2000) -> dict[str, Any]:
    """Recompute the chain over the stored log and hold it against the anchors.

    `first_bad_position` names the first record altered, reordered or missing
    (a missing record by its own position, which its successor's link
    remembers), the first link signed with an unknown or an older key, the
    first link of a range whose tracking row was moved back, or the position
    of an anchor the chain no longer matches; `problem` says which. With
    `start` (a trusted anchor), only the links after it are recomputed.
    `halted`: the refusal of this process's projector, reported as it stands."""
    keys.refresh()
    anchors = list(anchors)
    failures: list[_Failure] = []
    with db.read() as tx:  # one statement: one snapshot of the bookkeeping on both backends
        state = tx.fetchone(f"SELECT (SELECT position FROM qihui_tracking WHERE name = ?) AS tracked, "
                            f"(SELECT MAX(position) FROM {CHAIN}) AS top, "
                            f"(SELECT MAX(seq) FROM {CHAIN}) AS top_seq", (VIEW,))
    tracked, top, top_seq = (int((state or {}).get(k) or 0) for k in ("tracked", "top", "top_seq"))
    if top > tracked:
        with db.read() as tx:
            first = int(tx.scalar(f"SELECT MIN(position) FROM {CHAIN} WHERE position > ?", (tracked,)))
        failures.append(_Failure(first, "rewound", f"the chain's tracking row was moved back to {tracked}; "
                                                   f"links exist up to {top}"))
    elif top < tracked:
        failures.append(_Failure(top + 1, "missing", f"links after position {top} are gone, though the chain's "
                                                     f"tracking row says records up to {tracked} were signed"))

    previous, previous_position, seq, order = "", None, 0, -1
    if start is not None:
        with db.read() as tx:
            row = tx.fetchone(f"SELECT seq, link, key_id FROM {CHAIN} WHERE position = ?", (start.position,))
        if row is None or int(row["seq"]) != start.seq or row["link"] != start.link:
            failures.append(_anchor_failure(start, None if row is None else (int(row["seq"]), row["link"]), top_seq))
            return _result(0, failures, 0)
        previous, previous_position, seq = start.link, start.position, start.seq
        order = keys.order(row["key_id"]) if keys.get(row["key_id"]) is not None else -1

    wanted = {a.position for a in anchors}
    verified: dict[int, tuple[int, str]] = {}
    checked = 0
    walk_failed_at: int | None = None
    links = _links(db, start.position if start else 0, batch)
    row = next(links, None)
    for n in _records(recorder, start.position if start else 0, batch):
        failure = None
        if row is None:  # recorded after the last link: not yet chained, unless the tracking row says otherwise
            if n.id <= tracked:
                failure = _Failure(n.id, "unchained", f"position {n.id} was signed (tracking row at {tracked}) "
                                                      "but its link is gone")
        elif (position := int(row["position"])) < n.id:
            failure = _Failure(position, "missing", f"the record at position {position} is gone; its link remains")
        elif position > n.id:
            failure = _Failure(n.id, "unchained", f"a record at position {n.id} the chain never signed")
        elif row["previous_position"] != previous_position:
            said = row["previous_position"]
            if said is not None and (previous_position is None or int(said) > previous_position):
                failure = _Failure(int(said), "missing", f"the record at position {said} and its link are gone "
                                                         f"(the link at {n.id} follows it)")
            else:
                failure = _Failure(n.id, "altered", f"the link at {n.id} names {said} before it, not "
                                                    f"{previous_position}")
        elif (key := keys.get(row["key_id"])) is None:
            failure = _Failure(n.id, "unknown_key", f"the link at {n.id} names key {row['key_id']}, "
                                                    "which is not in the key ring")
        elif keys.order(row["key_id"]) < order:
            failure = _Failure(n.id, "key_order", f"the link at {n.id} uses key {row['key_id']}, older than "
                                                  "the key of the link before it")
        elif int(row["seq"]) != seq + 1 or row["link"] != link(
                key, previous, seq + 1, n.id, row["key_id"], n.originator_id, n.originator_version, n.topic,
                n.state):
            failure = _Failure(n.id, "altered", f"the record at position {n.id} or its link was changed")
        if failure is not None:
            failures.append(failure)
            walk_failed_at = failure.position
            break
        if row is None:
            break
        seq += 1
        checked += 1
        previous, previous_position, order = row["link"], n.id, keys.order(row["key_id"])
        if n.id in wanted:
            verified[n.id] = (seq, previous)
        row = next(links, None)
    else:
        if row is not None:  # records at the end were removed, their links remain
            failures.append(_Failure(int(row["position"]), "missing",
                                     f"the record at position {row['position']} is gone; its link remains"))
            walk_failed_at = int(row["position"])

    checked_anchors = 0
    for anchor in anchors:
        if not anchor.signed_by(keys):
            failures.append(_Failure(anchor.position, "anchor_signature",
                                     f"the anchor for position {anchor.position} ({anchor.signed_at}) does not "
                                     f"carry a valid signature by key {anchor.key_id}"))
            continue
        checked_anchors += 1
        if walk_failed_at is not None and anchor.position >= walk_failed_at:
            continue  # already reported from an earlier position
        got = verified.get(anchor.position)
        if got != (anchor.seq, anchor.link):
            failures.append(_anchor_failure(anchor, got, top_seq))
    if halted is not None:  # last: what the database shows comes first at the same position
        failures.append(_Failure(halted.position, "halted", f"the projector stopped signing: {halted}"))
    return _result(checked, failures, checked_anchors)


def _anchor_failure(anchor: Anchor, got: tuple[int, str] | None, top_seq: int) -> _Failure:
    said = f"anchor #{anchor.seq} ({anchor.signed_at}) names position {anchor.position}"
    if got is None:
        return _Failure(anchor.position, "anchor_missing",
                        f"{said}, which is no longer in the chain (it now holds {top_seq} links)")
    return _Failure(anchor.position, "anchor_mismatch",
                    f"{said}, whose link in the chain is now #{got[0]} {got[1][:16]}…, not {anchor.link[:16]}…")


def _result(checked: int, failures: list[_Failure], anchors_checked: int) -> dict[str, Any]:
    if not failures:
        return {"ok": True, "checked": checked, "first_bad_position": None, "problem": None, "detail": None,
                "anchors_checked": anchors_checked}
    first = min(failures, key=lambda f: f.position)
    return {"ok": False, "checked": checked, "first_bad_position": first.position, "problem": first.problem,
            "detail": first.detail, "anchors_checked": anchors_checked}


# -- anchoring --------------------------------------------------------------------------------------------------
def anchor_head(recorder: Any, db: ViewDatabase, keys: ChainKeys, log_: AnchorLog, now: datetime, *,
                interval: float | None = None,
                publish: Callable[[Anchor], None] | None = None) -> tuple[Anchor | None, dict[str, Any] | None]:
    """Sign the chain's head and put it outside the database. Only a chain that
    verifies from the last anchor on is anchored. With `interval` (seconds),
    nothing happens until that long after the last anchor. Returns (the new
    anchor or None, the verification when one ran)."""
    last = log_.latest()
    if interval is not None and last is not None:
        with contextlib.suppress(ValueError):
            if now - datetime.fromisoformat(last.signed_at) < timedelta(seconds=interval):
                return None, None
    head = chain_head(db)
    if head is None or (last is not None and head["seq"] == last.seq and head["link"] == last.link):
        return None, None
    trusted = last if last is not None and last.signed_by(keys) else None
    result = verify(recorder, db, keys, [last] if last is not None and trusted is None else [], start=trusted)
    if not result["ok"]:
        log.error("not anchoring the chain: %s at position %s: %s", result["problem"],
                  result["first_bad_position"], result["detail"])
        return None, result
    anchor = Anchor.sign(keys, head["position"], head["seq"], head["link"], now.isoformat())
    log_.append(anchor)
    if publish is not None:
        try:
            publish(anchor)
        except Exception as exc:  # noqa: BLE001 (the file has it; the stream gets the next one)
            log.warning("anchor #%s not published to %s: %s: %s", anchor.seq, ANCHOR_STREAM,
                        type(exc).__name__, exc)
    return anchor, result


# -- JetStream ------------------------------------------------------------------------------------------------------
async def _connect(url: str, timeout: float) -> Any:
    import nats

    return await nats.connect(url, connect_timeout=timeout, max_reconnect_attempts=0, allow_reconnect=False)


async def _ensure_anchor_stream(js: Any) -> None:
    from nats.js.api import StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(ANCHOR_STREAM)
    except NotFoundError:  # append-only: no deletes, no purges
        await js.add_stream(StreamConfig(name=ANCHOR_STREAM, subjects=[ANCHOR_SUBJECT], deny_delete=True,
                                         deny_purge=True, duplicate_window=24 * 3600.0))


def publish_anchor(url: str, anchor: Anchor, timeout: float = 5.0) -> None:
    """Publish one anchor to the stream QIHUI_ANCHORS (created append-only)."""
    import asyncio

    async def go() -> None:
        nc = await _connect(url, timeout)
        try:
            js = nc.jetstream()
            await _ensure_anchor_stream(js)
            await js.publish(ANCHOR_SUBJECT, _encode_anchor(anchor), timeout=timeout,
                             headers={"Nats-Msg-Id": f"anchor:{anchor.seq}:{anchor.signed_at}"})
        finally:
            await nc.close()

    asyncio.run(asyncio.wait_for(go(), timeout * 2))


def fetch_anchors(url: str, timeout: float = 5.0) -> list[Anchor]:
    """Every anchor in the stream QIHUI_ANCHORS (none when there is no stream yet)."""
    import asyncio

    from nats.js.errors import NotFoundError

    async def go() -> list[Anchor]:
        nc = await _connect(url, timeout)
        try:
            js = nc.jetstream()
            try:
                info = await js.stream_info(ANCHOR_STREAM)
            except NotFoundError:
                return []
            last = info.state.last_seq
            if not info.state.messages:
                return []
            sub = await js.subscribe(ANCHOR_SUBJECT, stream=ANCHOR_STREAM, ordered_consumer=True)
            found = []
            try:
                while True:
                    msg = await sub.next_msg(timeout=timeout)
                    with contextlib.suppress(msgspec.DecodeError):
                        found.append(_decode_anchor(msg.data))
                    if msg.metadata.sequence.stream >= last:
                        return found
            finally:
                await sub.unsubscribe()
        finally:
            await nc.close()

    return asyncio.run(asyncio.wait_for(go(), timeout * 4))


def gather_anchors(files: Iterable[Path], nats_url: str | None) -> list[Anchor]:
    """Anchors from files and, in distributed mode, from the stream; repeats dropped.
    An unreachable stream is logged and skipped (the files still count)."""
    found: dict[tuple[int, int, str, str], Anchor] = {}
    for path in files:
        for a in read_anchors(path):
            found.setdefault((a.seq, a.position, a.link, a.signed_at), a)
    if nats_url:
        try:
            for a in fetch_anchors(nats_url):
                found.setdefault((a.seq, a.position, a.link, a.signed_at), a)
        except Exception as exc:  # noqa: BLE001 (report what the files prove)
            log.warning("anchors in %s not read: %s: %s", ANCHOR_STREAM, type(exc).__name__, exc)
    return sorted(found.values(), key=lambda a: (a.seq, a.signed_at))


# -- the platform's use ---------------------------------------------------------------------------------------------
def anchor_platform(platform: Any, *, force: bool = False) -> tuple[Anchor | None, dict[str, Any] | None]:
    """Anchor the platform's chain head: to the anchors file and, in distributed
    mode, to QIHUI_ANCHORS. Without `force`, at most every QIHUI_ANCHOR_INTERVAL."""
    settings = platform.settings
    url = settings.nats_url
    return anchor_head(platform.app.recorder, platform.views, platform.chain_keys, platform.anchors,
                       platform.clock.now(), interval=None if force else settings.anchor_interval,
                       publish=(lambda a: publish_anchor(url, a)) if url else None)


def verify_platform(platform: Any, files: Sequence[Path] | None = None) -> dict[str, Any]:
    """Verify the platform's chain against anchors: the given files, or else the
    platform's own anchors file and, in distributed mode, the stream."""
    own = platform.anchors.path
    try:
        anchors = (gather_anchors([own] if own.exists() else [], platform.settings.nats_url) if files is None
                   else gather_anchors(files, None))
    except ValueError as exc:  # a line that is not an anchor: the file was edited
        return {"ok": False, "checked": 0, "first_bad_position": None, "problem": "anchor_file",
                "detail": str(exc), "anchors_checked": 0}
    return verify(platform.app.recorder, platform.views, platform.chain_keys, anchors,
                  halted=platform.runner.halted.get(VIEW))
