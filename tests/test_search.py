"""Names found as people type them (issue 22): Chinese characters, full pinyin, initials,
the credit code whole; the best matches first."""

from tests.factories import application
from tests.http import ok


def names(client, staff, q, **extra):
    params = "&".join(f"{k}={v}" for k, v in {"q": q, "limit": 50, **extra}.items())
    return [i["name"] for i in ok(client.get(f"/api/v1/members?{params}", headers=staff))["items"]]


def test_pinyin_initials_and_the_credit_code_find_the_organisation_best_first(client, staff, platform):
    made = {}
    names_ = ("福州海门智能装备有限公司", "厦门星海光电科技有限公司", "重庆长安新材料有限公司", "星海厦门软件有限公司")
    for name in names_:
        body = application(name=name)
        made[name] = (ok(client.post("/api/v1/members", json=body), 201)["id"], body["credit_code"])
    platform.runner.catch_up()

    assert names(client, staff, "xiamen") == ["厦门星海光电科技有限公司", "星海厦门软件有限公司"]  # prefix first
    assert names(client, staff, "XM") == ["厦门星海光电科技有限公司", "星海厦门软件有限公司"]
    assert names(client, staff, "厦门") == ["厦门星海光电科技有限公司", "星海厦门软件有限公司"]
    assert names(client, staff, "chongqing") == ["重庆长安新材料有限公司"]  # 重 read as chong in 重庆
    assert names(client, staff, "xm gd") == ["厦门星海光电科技有限公司"]  # every term must match
    assert names(client, staff, "haimen") == ["福州海门智能装备有限公司"]
    # The credit code finds one organisation, whole and in any case; a fragment finds none.
    code = made["重庆长安新材料有限公司"][1]
    assert names(client, staff, code.lower()) == ["重庆长安新材料有限公司"]
    assert names(client, staff, code[:10]) == []
    # A chosen order still applies to a search.
    assert names(client, staff, "xm", sort="-name") == sorted(names(client, staff, "xm"), reverse=True)
    # Paging through a search by relevance loses and repeats nothing.
    first = ok(client.get("/api/v1/members?q=youxian&limit=2", headers=staff))
    rest = ok(client.get(f"/api/v1/members?q=youxian&limit=2&cursor={first['next_cursor']}", headers=staff))
    assert len({i["id"] for i in first["items"] + rest["items"]}) == 4 and rest["next_cursor"] is None
