"""The contract as commands: one per operation, ``bmpctl <tag> <operationId> --field value``.

Read from the contract file the platform serves (``bmp_common.contract``, one profile of it),
never written by hand: a new operation, parameter or body field is a new command or option the
day the contract has it. Path, query and header parameters become options by their contract
names; so does each property of an object body (``--body`` takes the whole body as JSON, and
the options override its fields). Types, enums and required-ness come from the contract; the
caller headers (``traceId``, ``bmpLanguage``, ``bmpUserId``, ``bmpClientIp``) are the client's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bmp_common.contract import HTTP_METHODS, contract_for
from bmp_common.contract.client import CALLER_HEADERS

# Where an option's value goes.
PATH, QUERY, HEADER, BODY = "path", "query", "header", "body"
# Option kinds, by how a value is read from the command line.
STRING, INTEGER, NUMBER, BOOLEAN, LIST, JSON = (
    "string",
    "integer",
    "number",
    "boolean",
    "list",
    "json",
)
_SCALAR_KINDS = {"string": STRING, "integer": INTEGER, "number": NUMBER, "boolean": BOOLEAN}


@dataclass
class Option:
    name: str  # the contract's name, also the option's: --idcId, --instance_id
    where: str  # path, query, header or body
    kind: str  # string, integer, number, boolean, list (of scalars), json (objects, arrays)
    item_kind: str = STRING  # a list's items
    required: bool = False
    choices: tuple = ()
    description: str = ""
    limits: str = ""  # "1-64 chars", "≥ 1", the pattern's absence is not shown

    @property
    def flag(self) -> str:
        return f"--{self.name}"


@dataclass
class Command:
    tag: str
    operation_id: str
    method: str
    path: str
    summary: str
    description: str
    options: list[Option] = field(default_factory=list)
    has_body: bool = False
    body_required: bool = False
    body_description: str = ""

    def located(self, where: str) -> list[Option]:
        return [option for option in self.options if option.where == where]

    @property
    def help(self) -> str:
        """One line for the tag's list of commands."""
        text = self.summary or self.description or f"{self.method} {self.path}"
        return text.split("\n", 1)[0].strip()


@dataclass
class Tag:
    name: str
    description: str
    commands: dict[str, Command] = field(default_factory=dict)


def _limits(schema: dict) -> str:
    parts = []
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None or high is not None:
        if low and high is not None:
            parts.append(f"{low}-{high} chars")
        else:
            parts.append(f"≤ {high} chars" if high is not None else f"≥ {low} chars")
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        parts.append(f"{low}-{high}")
    elif low is not None:
        parts.append(f"≥ {low}")
    elif high is not None:
        parts.append(f"≤ {high}")
    if schema.get("maxItems") is not None:
        parts.append(f"≤ {schema['maxItems']} items")
    if schema.get("default") not in (None, ""):
        parts.append(f"default {schema['default']}")
    return ", ".join(parts)


class _Resolver:
    def __init__(self, spec: dict):
        self.spec = spec

    def __call__(self, node: dict, section: str = "definitions") -> dict:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            ref = node["$ref"]
            prefix = f"#/{section}/"
            if not ref.startswith(prefix):
                break
            node = self.spec[section][ref[len(prefix) :]]
            seen += 1
        return node


def _option(name: str, where: str, schema: dict, resolve, required: bool) -> Option:
    schema = resolve(schema)
    kind = schema.get("type")
    if kind == "array":
        items = resolve(schema.get("items", {}))
        item_kind = _SCALAR_KINDS.get(items.get("type"))
        if item_kind is not None and not items.get("properties"):
            return Option(
                name,
                where,
                LIST,
                item_kind=item_kind,
                required=required,
                choices=tuple(items.get("enum", ())),
                description=(schema.get("description") or "").strip(),
                limits=_limits(schema),
            )
        return Option(
            name,
            where,
            JSON,
            required=required,
            description=(schema.get("description") or "").strip(),
            limits=_limits(schema),
        )
    return Option(
        name,
        where,
        _SCALAR_KINDS.get(kind, JSON),
        required=required,
        choices=tuple(value for value in schema.get("enum", ()) if value is not None),
        description=(schema.get("description") or "").strip(),
        limits=_limits(schema),
    )


def _command(tag: str, method: str, path: str, shared: list, op: dict, resolve) -> Command:
    command = Command(
        tag=tag,
        operation_id=op["operationId"],
        method=method.upper(),
        path=path,
        summary=(op.get("summary") or "").strip(),
        description=(op.get("description") or "").strip(),
    )
    for raw in [*shared, *op.get("parameters", [])]:
        parameter = resolve(raw, "parameters")
        where = parameter["in"]
        if where == BODY:
            body = resolve(parameter["schema"])
            command.has_body = True
            command.body_required = bool(parameter.get("required"))
            command.body_description = (body.get("description") or "").strip()
            required = set(body.get("required", ()))
            for name, schema in (body.get("properties") or {}).items():
                command.options.append(_option(name, BODY, schema, resolve, name in required))
        elif where == HEADER and parameter["name"] in CALLER_HEADERS:
            continue  # the client's own: language, trace id
        elif where in (PATH, QUERY, HEADER):
            command.options.append(
                _option(
                    parameter["name"],
                    where,
                    {k: v for k, v in parameter.items() if k not in ("in", "name", "required")},
                    resolve,
                    bool(parameter.get("required")) or where == PATH,
                )
            )
    return command


def load_tags(profile: str | None) -> dict[str, Tag]:
    """The commands of one profile of the contract (``operation``, ``console``), by tag."""
    spec = contract_for(profile)
    resolve = _Resolver(spec)
    tags = {
        tag["name"]: Tag(tag["name"], (tag.get("description") or "").strip())
        for tag in spec.get("tags", [])
    }
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            name = (op.get("tags") or ["other"])[0]
            tag = tags.setdefault(name, Tag(name, ""))
            tag.commands[op["operationId"]] = _command(name, method, path, shared, op, resolve)
    return {name: tag for name, tag in tags.items() if tag.commands}
