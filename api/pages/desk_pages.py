"""The staff desk's pages (under PAGES_PREFIX/desk), as api.pages registers them."""

from __future__ import annotations

from api.pages.desk_alliances import DeskAlliancePages
from api.pages.desk_audit import DeskAuditPages
from api.pages.desk_home import DeskHomePages
from api.pages.desk_members import DeskMemberPages
from api.pages.desk_reviews import DeskReviewPages
from api.pages.desk_sessions import DeskSessionPages

DESK_PAGES: list[type] = [DeskHomePages, DeskMemberPages, DeskSessionPages, DeskAlliancePages, DeskReviewPages,
                          DeskAuditPages]
