"""The year's figures count what happened, not what is planned."""

from datetime import datetime, timedelta

from tests.test_audit import head, ok


def test_a_salon_scheduled_later_in_the_period_is_not_counted_as_held(client, staff, platform):
    zone = platform.clock.time_zone
    platform.clock.offset = datetime(2018, 3, 1, 9, tzinfo=zone) - platform.clock.now()
    start = datetime(2018, 5, 10, 9, tzinfo=zone)
    ok(client.post("/api/v1/sessions", headers=staff, json={
        "kind": "salon", "title": "五月小集会", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(), "venue": "协会",
        "registration_closes_at": start.isoformat()}), 201)

    def held():
        figures = ok(client.get(f"/api/v1/stats/summary?from=2018-01-01&to=2018-12-31&min_position={head(platform)}",
                                headers=staff))
        return figures["sessions"]["held"]

    assert held() == 0  # in March the May salon is still ahead
    platform.clock.offset += start + timedelta(hours=1) - platform.clock.now()
    assert held() == 1
