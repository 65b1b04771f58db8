"""The served OpenAPI document tells a developer what each route is, who may call it and what each field means."""

import pytest

from api.app import create_app
from tests.http import in_process_client


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_route_field_and_parameter_is_described_with_its_roles(platform):
    with in_process_client(create_app(platform)) as client:
        document = client.get("/schema/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    undescribed = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            text = operation.get("description", "")
            if "可调用角色" not in text and "公开" not in text:
                undescribed.append(f"{method} {path}: roles")
            if len(text.split("\n")[0].strip()) < 4:
                undescribed.append(f"{method} {path}: description")
            if "公开" not in text and operation.get("security") != [{"bearer": []}]:
                undescribed.append(f"{method} {path}: security")
            undescribed += [f"{method} {path} ?{p['name']}" for p in operation.get("parameters", [])
                            if not p.get("description")]
    for name, schema in document["components"]["schemas"].items():
        undescribed += [f"{name}.{field}" for field, prop in schema.get("properties", {}).items()
                        if not prop.get("description")]
    assert undescribed == []
    admit = document["paths"]["/api/v1/members/{id}/admit"]["post"]
    assert admit["description"].startswith("入会审批通过") and "秘书处 staff" in admit["description"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_command_shows_an_example_body_that_the_route_accepts(platform):
    with in_process_client(create_app(platform)) as client:
        document = client.get("/schema/openapi.json").json()
        missing = [f"{m} {p}" for p, item in document["paths"].items() for m, op in item.items()
                   if isinstance(op, dict) and "requestBody" in op
                   and not next(iter(op["requestBody"]["content"].values())).get("example")]
        assert missing == []
        # The membership application's example is a valid application as it stands.
        example = document["paths"]["/api/v1/members"]["post"]["requestBody"]["content"]["application/json"]["example"]
        assert client.post("/api/v1/members", json=example).status_code == 201
        assert example["contacts"][0]["name"] == "张伟"
