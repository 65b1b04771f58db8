"""企会协作 the alliance programme of seed 002: programmes and alliances."""

from api.alliances import AlliancesController, ProgramsController
from domain.alliances import Alliance, Program
from projections.alliances import AlliancesView, ProgramsView
from projections.history.alliances import HISTORY
from qihui.contexts.base import Context
from workers.jobs import flag_overdue_reports

CONTEXT = Context(
    name="alliances", label="企会协作", aggregates=(Program, Alliance),
    views=lambda needs: (ProgramsView(), AlliancesView()), controllers=(ProgramsController, AlliancesController),
    history=HISTORY, jobs=(flag_overdue_reports,),
)
