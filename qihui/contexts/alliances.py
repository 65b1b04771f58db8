"""企会协作 the alliance programme of seed 002: programmes and alliances."""

from api.alliance_agreements import AgreementsController
from api.alliance_funding import FundingController
from api.alliance_programs import ProgramsController
from api.alliance_reporting import ReportingController
from api.alliance_selection import SelectionController
from api.alliances import AlliancesController
from api.pages.alliances import AlliancePages
from api.pages.desk_alliances import DeskAlliancePages
from api.pages.desk_reviews import DeskReviewPages
from domain.alliances import Alliance, Program
from domain.notices_alliances import NOTICES
from projections.alliance_figures import FIGURES
from projections.alliances import AlliancesView, ProgramsView
from projections.history.alliances import HISTORY
from qihui.contexts.base import Context
from workers.jobs import flag_overdue_rectifications, flag_overdue_reports

CONTEXT = Context(
    name="alliances", label="企会协作", aggregates=(Program, Alliance),
    views=lambda needs: (ProgramsView(), AlliancesView()),
    controllers=(ProgramsController, AlliancesController, AgreementsController, SelectionController,
                 FundingController, ReportingController),
    history=HISTORY, jobs=(flag_overdue_reports, flag_overdue_rectifications), figures=FIGURES,
    pages=(AlliancePages, DeskAlliancePages, DeskReviewPages), notices=NOTICES,
    personal={("Alliance", "Drafted"): ("agreement.expert_team",), ("Alliance", "Revised"): ("agreement.expert_team",),
              ("Alliance", "AmendmentRequested"): ("changes.expert_team",),
              ("Alliance", "AmendmentDecided"): ("agreement.expert_team",),
              ("Alliance", "PartyDeclared"): ("declaration.responsible_staff",),
              ("Alliance", "Objected"): ("contact",), ("Alliance", "Inspected"): ("inspectors",)},
)
