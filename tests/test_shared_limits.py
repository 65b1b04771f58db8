"""Rate limits hold across API replicas (issue 21): on PostgreSQL every replica counts in
the same table, so two replicas do not double the limit."""

import pytest

from api.app import create_app
from tests.factories import application
from tests.http import in_process_client


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_two_replicas_share_the_application_limit(make_platform):
    replicas = [make_platform(QIHUI_RATE_LIMIT_APPLY="3/60") for _ in range(2)]
    with in_process_client(create_app(replicas[0])) as one, in_process_client(create_app(replicas[1])) as two:
        answers = [client.post("/api/v1/members", json=application()).status_code
                   for client in (one, two, one, two, one)]
        assert answers == [201, 201, 201, 429, 429]  # three in all, whichever replica took them
        refused = two.post("/api/v1/members", json=application())
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_window_ends_for_every_replica(platform):
    limit_store = platform.views
    first = limit_store.count_hit("apply:203.0.113.5", now=1000.0, window=60)
    assert first == (1000.0, 1)
    assert limit_store.count_hit("apply:203.0.113.5", now=1030.0, window=60) == (1000.0, 2)
    assert limit_store.count_hit("apply:203.0.113.5", now=1061.0, window=60) == (1061.0, 1)  # a new window
    assert limit_store.count_hit("sign_in:203.0.113.5", now=1061.0, window=60) == (1061.0, 1)  # per door
