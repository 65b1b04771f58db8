"""通知 notices: who is told what of every context's events (their `notices=` rules), the
inbox of every account, notice settings, and the scheduler's reminders."""

from api.inbox import InboxController, MeController
from api.pages.notices import TEXTS, InboxPages
from domain.notices import Inbox, NoticePreferences, Reminder
from domain.notices_reminders import NOTICES
from projections.history.notices import HISTORY
from projections.notices import NoticesView
from qihui.contexts.base import Context, Nav
from workers.notifier_reminders import remind


def _rules() -> list:
    from qihui import contexts  # the registry lists this module: read it when the views are built

    return contexts.notices()


CONTEXT = Context(
    name="notices", label="通知", aggregates=(NoticePreferences, Inbox, Reminder), snapshot_every={Inbox: 100},
    views=lambda needs: (NoticesView(_rules(), needs.settings.time_zone),), controllers=(InboxController, MeController),
    history=HISTORY, jobs=(remind,), notices=NOTICES,
    personal={("NoticePreferences", "ContactSet"): ("contact",)},
    pages=(InboxPages,), messages=TEXTS,
    nav=(Nav("portal", "/inbox", "nav.notices.inbox", frozenset({"staff", "auditor", "reviewer", "member"})),),
)
