"""活动 sessions: trainings (小灶班), salons (小集会), briefings, matchmaking meetings."""

from api.pages.desk_sessions import DeskSessionPages
from api.pages.sessions import SessionPages
from api.sessions import SessionsController
from domain.notices_sessions import NOTICES
from domain.sessions import Session
from projections.history.sessions import HISTORY
from projections.session_figures import FIGURES
from projections.sessions import AttendanceView, RegistrationsView, SessionsView
from qihui.contexts.base import Context
from workers.jobs import close_registrations, record_no_shows

CONTEXT = Context(
    name="sessions", label="活动", aggregates=(Session,), snapshot_every={Session: 200},
    views=lambda needs: (SessionsView(), RegistrationsView(), AttendanceView()),
    controllers=(SessionsController,), history=HISTORY, jobs=(close_registrations, record_no_shows),
    figures=FIGURES, pages=(SessionPages, DeskSessionPages), personal={("Session", "Registered"): ("attendees",),
                               ("Session", "AttendeeSubstituted"): ("attendee", "substitute"),
                               ("Session", "CheckedIn"): ("attendee",)},
    notices=NOTICES,
)
