"""The matchmaking pages, used as people use them: an enterprise posts a need with the form
(a mistake shown beside its field, the input kept), staff analyse and publish it from the
desk, a solver team finds it in the catalogue by a Chinese word, reads the public part
only, and proposes."""

from __future__ import annotations

import pytest

from tests.access_matchmaking import need_body, solver, solver_account
from tests.roles import admitted_org, invited
from tests.test_pages_access import Browser

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def test_post_analyse_publish_find_and_propose_through_the_pages(client, staff, platform):
    ent = admitted_org(client, staff)
    owner = Browser(client, invited(client, staff, "qiye", "member", organisation_id=ent))
    desk = Browser(client, staff)
    team = Browser(client, solver_account(client, staff, solver(client, staff), "tuandui"))
    body = need_body(platform)
    form = {k: str(v) for k, v in body.items() if k not in ("budget_min_fen", "budget_max_fen")}
    form.update(budget_min_fen="50万", budget_max_fen="2000000")
    # A budget that is no amount is refused beside its field; what was typed stays.
    refused = owner.post("/portal/needs", form)
    assert refused.status_code == 422 and 'id="e-budget_min_fen"' in refused.text
    assert "高功率激光器散热技术" in refused.text
    posted = owner.post("/portal/needs", {**form, "budget_min_fen": "500000"})
    assert posted.status_code == 303
    need = posted.headers["location"].split("/portal/needs/")[1].split("?")[0]
    # Staff see it waiting on the desk, analyse it and publish it.
    assert "高功率激光器散热技术" in desk.get("/portal/desk/needs").text
    analysed = desk.post(f"/portal/desk/needs/{need}/analysis", {"note": "需求明确", "tags": "激光，散热"})
    assert analysed.status_code == 303
    assert desk.post(f"/portal/desk/needs/{need}/publication").status_code == 303
    # A solver team finds it by a Chinese word and reads the public part, never the details.
    assert "高功率激光器散热技术" in team.get("/portal/needs?q=散热").text
    assert "高功率激光器散热技术" not in team.get("/portal/needs?q=发酵").text
    # …or as people type it: the title's pinyin and initials (激光器: jiguangqi, jgq).
    for typed in ("jiguangqi", "JGQ", "gaogonglv sanre"):
        assert "高功率激光器散热技术" in team.get(f"/portal/needs?q={typed}").text, typed
    assert "高功率激光器散热技术" not in team.get("/portal/needs?q=fajiao").text
    page = team.get(f"/portal/needs/{need}")
    assert page.status_code == 200 and "提升功率稳定性" in page.text and "铜基热沉" not in page.text
    assert "铜基热沉" in owner.get(f"/portal/needs/{need}").text
    # It proposes; an empty approach is refused beside its field.
    empty = team.post(f"/portal/needs/{need}/proposals", {"summary": "微通道液冷", "approach": ""})
    assert empty.status_code == 422 and 'id="e-approach"' in empty.text
    done = team.post(f"/portal/needs/{need}/proposals", {"summary": "微通道液冷", "approach": "金刚石铜复合热沉",
                                                         "price_fen": "1200000"})
    assert done.status_code == 303
    platform.runner.catch_up()
    assert "金刚石铜复合热沉" in owner.get(f"/portal/needs/{need}").text
    # Nobody else's enterprise sees the draft-stage desk; members never open the desk.
    assert owner.get("/portal/desk/needs").status_code == 403
