"""The alliance programme's typed values: what its events carry and its aggregate
holds, instead of dictionaries re-parsed everywhere.

- Agreement (协议书) with its Task, Indicator, Contribution and DedicatedAccount;
  its `expert_team` holds sealed persons (service.personal: {"person_id",
  "sealed", "fields", …}) kept as opaque dicts, so sealing and erasure walk them
  as before (the writer's `PersonalFields.refuse_clear` reads
  `agreement.expert_team`).
- ProgressItem, one line of a report's progress; ReportRecord and Rectification,
  what the aggregate keeps of each report and each inspection's rectification.

Events stored before these types existed carry plain JSON: `typed_since_v2` gives
their classes a version 2 that converts them on load (and `upcast_v1_v2` does the
same for the Alliance's old snapshots), so old and new carry the same values
(tests/test_alliance_typed_stored.py). Each value also answers `value["field"]` and
`.get("field")` read-only, for the readers outside this context that still index
the agreement as a dictionary (domain.eligibility, projections.notices,
workers.notifier_reminders).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, Literal, TypeVar

import msgspec

from domain.errors import InvalidValue
from domain.vocabularies import CooperationArea, ProgressStatus, ReportKind, Sector

T = TypeVar("T", bound="Value")
SealedPerson = dict[str, Any]  # a person sealed by service.personal: opaque to the domain


class Value(msgspec.Struct, frozen=True, kw_only=True):
    """A frozen value that can also be read as a mapping (see the module's docstring)."""

    def __getitem__(self, key: str) -> Any:
        if key not in self.__struct_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.__struct_fields__ else default

    def keys(self) -> tuple[str, ...]:
        return self.__struct_fields__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__struct_fields__)

    def plain(self) -> dict[str, Any]:
        """As JSON would hold it (dates as YYYY-MM-DD): what the read side stores."""
        return msgspec.to_builtins(self)

    @classmethod
    def of(cls: type[T], data: Any) -> T:
        """From a stored or sent dictionary (or the value itself); a field that does not
        fit is refused naming it."""
        if isinstance(data, cls):
            return data
        try:
            return msgspec.convert(data, cls, strict=False, from_attributes=True)
        except msgspec.ValidationError as exc:
            message = str(exc)
            if "at `$." in message:
                field: str | None = message.rpartition("at `$.")[2].split("[")[0].split(".")[0].rstrip("`")
            else:
                field = message.rpartition("field `")[2].rstrip("`") if "field `" in message else None
            raise InvalidValue(f"{field or cls.__name__} 不合要求 (invalid: {exc})", field=field) from None


class Task(Value, frozen=True, kw_only=True):
    """进度安排: one task with its due date and indicator."""

    title: str
    due_on: date
    indicator: str = ""


class Indicator(Value, frozen=True, kw_only=True):
    """定期考核指标: what is checked, and when."""

    due_on: date
    indicator: str


class Contribution(Value, frozen=True, kw_only=True):
    """自筹投入 of one party."""

    party_id: str
    amount_fen: int


class DedicatedAccount(Value, frozen=True, kw_only=True):
    """项目资金专账."""

    bank: str
    account_name: str
    account_number: str


class Agreement(Value, frozen=True, kw_only=True):
    """协议书, one version, as `domain.alliance_agreement.check_agreement` normalised it."""

    title: str = ""
    enterprises: list[str]
    societies: list[str]
    lead_enterprise_id: str
    lead_society_id: str
    cooperation_areas: list[CooperationArea]
    sector: Sector
    other_sectors: list[Sector] = []
    goals: str = ""
    tasks: list[Task]
    work_plan: str = ""
    indicators: list[Indicator] = []
    safeguards: str = ""
    starts_on: date
    ends_on: date
    budget_fen: int
    requested_funding_fen: int
    contributions: list[Contribution] = []
    fund_use_direction: str = ""
    fund_use_scope: str = ""
    dedicated_account: DedicatedAccount | None = None
    expert_team: list[SealedPerson] = []
    workspace: str = ""

    def parties(self) -> list[str]:
        return [*self.enterprises, *self.societies]


AGREEMENT_FIELDS = frozenset(Agreement.__struct_fields__)


class ProgressItem(Value, frozen=True, kw_only=True):
    """One task's progress in a report."""

    task: str
    status: ProgressStatus = "not_started"
    note: str = ""


def progress_of(items: list[Any]) -> list[ProgressItem]:
    return [ProgressItem.of(item) for item in items]


class ReportRecord(Value, frozen=True, kw_only=True):
    """What the alliance keeps of one report: which, where it stands, how often filed."""

    kind: ReportKind
    year: int
    status: Literal["filed", "accepted", "returned"] = "filed"
    version: int = 1

    @property
    def key(self) -> str:
        """One report per kind and year."""
        return f"{self.kind}:{self.year}"


class Rectification(Value, frozen=True, kw_only=True):
    """整改: what an inspection asked to be put right, by when."""

    due_on: date
    status: Literal["open", "closed"] = "open"
    flagged: bool = False  # its deadline passed while open (flagged once)


def records_of(value_type: type[T], records: dict[str, Any]) -> dict[str, T]:
    return {key: value_type.of(record) for key, record in records.items()}


def upcast_v1_v2(state: dict[str, Any]) -> None:
    """An Alliance snapshot of version 1 (before issue 14): its values as plain dicts."""
    state["agreement"] = Agreement.of(state["agreement"])
    state["reports"] = records_of(ReportRecord, state.get("reports") or {})
    state["rectifications"] = records_of(Rectification, state.get("rectifications") or {})


def typed_since_v2(alliance: type) -> None:
    """Stored before issue 14, these Alliance events carried the agreement and the
    progress as plain JSON."""
    for name in ("Drafted", "Revised", "AmendmentDecided"):
        upcast_to_typed(getattr(alliance, name), agreement=Agreement.of)
    upcast_to_typed(alliance.ReportFiled, progress=progress_of)


def upcast_to_typed(event_class: type, **fields: Callable[[Any], Any]) -> None:
    """Version 2 of an event class carries typed values; version 1 (stored before issue 14)
    carried the same content as plain JSON and is converted when loaded."""

    def upcast_v1_v2(state: dict[str, Any]) -> None:
        for name, typed in fields.items():
            if state.get(name) is not None:
                state[name] = typed(state[name])

    event_class.class_version = 2  # type: ignore[attr-defined]
    event_class.upcast_v1_v2 = staticmethod(upcast_v1_v2)  # type: ignore[attr-defined]
