"""审计 audit: the global log, organisations' histories, the hash chain and its anchors, figures."""

from api.audit import AuditController, StatsController
from projections.chain import HashChainView
from qihui.contexts.base import Context
from workers.jobs import anchor_chain

CONTEXT = Context(
    name="audit", label="审计",
    # The audit log is built with every context's history by bootstrap (it needs them all).
    views=lambda needs: (HashChainView(needs.chain_keys, needs.anchors),),
    controllers=(AuditController, StatsController), jobs=(anchor_chain,),
)
