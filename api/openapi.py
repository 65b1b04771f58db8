"""The served OpenAPI document, completed: the bearer scheme, who may call each
operation (from the route's policy, the same one the guard enforces), and a
Chinese-first description for every field and parameter (api.glossary)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import Components, Operation, Reference, Schema, SecurityScheme

from api.glossary import FIELDS, SAMPLES
from api.policy import Policy
from api.problems import document as document_problems

ROLE_NAMES = {"staff": "秘书处 staff", "auditor": "审计 auditor", "reviewer": "评审专家 reviewer",
              "member": "会员单位 member"}


def _who(policy: Policy | None) -> str:
    if policy is None or policy.public:
        return "公开，无需登录 (public)"
    roles = "、".join(ROLE_NAMES[r] for r in sorted(policy.roles))
    own = "（会员仅限本单位 members: own organisation only）" if policy.own_organisation_param else ""
    return f"可调用角色 (roles): {roles}{own}"


def _describe_schema(schema: Schema | Reference | None, seen: set[int]) -> None:
    if not isinstance(schema, Schema) or id(schema) in seen:
        return
    seen.add(id(schema))
    for name, prop in (schema.properties or {}).items():
        if isinstance(prop, Schema | Reference) and not prop.description and name in FIELDS:
            prop.description = FIELDS[name]
        _describe_schema(prop, seen)
    for child in (schema.items, *(schema.one_of or ()), *(schema.any_of or ()), *(schema.all_of or ())):
        _describe_schema(child, seen)  # type: ignore[arg-type]


_PEOPLE = ("contacts", "attendees", "substitute", "expert_team")
_BY_FORMAT = {"date": "2026-03-10", "date-time": "2026-03-10T09:00:00+08:00",
              "uuid": "3f0c9e4e-6d1a-4c7e-9a52-2b1f0d8e7a11", "email": "lianxi@example.cn"}


def _example(schema: Any, components: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """A plausible value for `schema`: the field's sample, else one built from its type."""
    if isinstance(schema, Reference):
        schema = components.get(schema.ref.rsplit("/", 1)[-1])
    if not isinstance(schema, Schema) or depth > 6:
        return None
    for choice in (*(schema.one_of or ()), *(schema.any_of or ())):
        value = _example(choice, components, name, depth + 1)
        if value is not None:
            return value
    if schema.enum:
        return schema.enum[0]
    if schema.const is not None:
        return schema.const
    kind = schema.type.value if hasattr(schema.type, "value") else schema.type
    extra = schema.additional_properties
    if kind == "object" and not schema.properties and isinstance(extra, Schema | Reference):
        # A mapping (kind of notice -> channels, the only one in a body today): one entry.
        return {str(SAMPLES["mapping_key"]): _example(extra, components, "", depth + 1)}
    if kind == "object" or schema.properties:
        required = set(schema.required or ())
        person = name in _PEOPLE  # a person's name, not an organisation's
        return {key: _example(prop, components, "person_name" if person and key == "name" else key, depth + 1)
                for key, prop in (schema.properties or {}).items() if key in required or key in SAMPLES}
    if kind == "array":
        item = _example(schema.items, components, name, depth + 1)
        return [] if item is None else [item]
    if name in SAMPLES:
        return SAMPLES[name]
    if schema.format and str(getattr(schema.format, "value", schema.format)) in _BY_FORMAT:
        return _BY_FORMAT[str(getattr(schema.format, "value", schema.format))]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return schema.minimum if schema.minimum is not None else 1
    if kind == "string":
        return "示例"
    return None


def _add_examples(document: Any) -> None:
    """Every command's request body gets an example (Chinese, plausible, built from its schema)."""
    components = document.components.schemas or {}
    for operation in _operations(document):
        body = operation.request_body
        if body is None or isinstance(body, Reference):
            continue
        for media in (body.content or {}).values():
            if media.example is None and not media.examples:
                media.example = _example(media.schema, components)


def _policies(app: Litestar) -> dict[str, Policy | None]:
    found: dict[str, Policy | None] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            operation_id = getattr(handler, "operation_id", None)
            if isinstance(operation_id, str):
                found[operation_id] = handler.opt.get("policy")
    return found


def _operations(document: Any) -> list[Operation]:
    operations = []
    for item in (document.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is not None:
                operations.append(operation)
    return operations


class _CompletedOpenAPI(OpenAPIPlugin):
    """Litestar's own plugin, completing its document once, when first asked for it."""

    __slots__ = ()

    def provide_openapi(self) -> Any:
        if not self._openapi:
            self._openapi = self._build_openapi()
            _complete(self.app, self._openapi)
        return self._openapi


def install(app: Litestar, glossary: Mapping[str, str] | None = None) -> None:
    """Complete the served document; `glossary` adds the contexts' own field meanings (one per name)."""
    clashes = [name for name, meaning in (glossary or {}).items() if FIELDS.get(name, meaning) != meaning]
    if clashes:
        raise ValueError(f"fields already mean something else in api.glossary: {clashes}")
    FIELDS.update(glossary or {})
    app.plugins.get(OpenAPIPlugin).__class__ = _CompletedOpenAPI


def _complete(app: Litestar, document: Any) -> None:
    document.components = document.components or Components()
    document.components.security_schemes = {"bearer": SecurityScheme(
        type="http", scheme="bearer", bearer_format="qihui token",
        description="POST /api/v1/auth/login 取得 access_token (from the sign-in route)")}
    policies = _policies(app)
    for operation in _operations(document):
        policy = policies.get(operation.operation_id or "")
        if policy is not None and not policy.public:
            operation.security = [{"bearer": []}]
        operation.description = f"{(operation.description or operation.summary or '').strip()}\n\n{_who(policy)}"
        for parameter in operation.parameters or []:
            if not isinstance(parameter, Reference) and not parameter.description:
                parameter.description = FIELDS.get(parameter.name)
    document_problems(document)  # after `security`: problem+json for every refusal (issue 11)
    seen: set[int] = set()
    for schema in (document.components.schemas or {}).values():
        _describe_schema(schema, seen)
    _add_examples(document)
