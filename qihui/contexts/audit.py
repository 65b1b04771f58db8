"""审计 audit: the global log, organisations' histories, the hash chain and its anchors.

The figures' route (api.stats) is built from every context's section by the registry."""

from api.audit import AuditController
from api.pages.desk_audit import DeskAuditPages
from api.pages.desk_home import DeskHomePages
from projections.chain import HashChainView
from qihui.contexts.base import Context
from workers.jobs import anchor_chain

CONTEXT = Context(
    name="audit", label="审计",
    # The audit log is built with every context's history by bootstrap (it needs them all).
    views=lambda needs: (HashChainView(needs.chain_keys, needs.anchors),),
    controllers=(AuditController,), jobs=(anchor_chain,), pages=(DeskHomePages, DeskAuditPages),
)
