"""The runtime contract client: how a BMP service calls openapi.

Built from the contract file (``bmp_common.contract``), not from a generated SDK: an operation is
called by its ``operationId``, what is sent is checked against the operation's parameters and
body schema before any byte leaves, and what comes back is checked against the answer the
contract promises for that status. A call the contract lacks (or that the profile the client
talks to does not serve) fails with ``UnknownOperation`` before any request.

    client = OpenapiClient("http://127.0.0.1:8802", key_file=path, profile="console")
    caller = Caller(user_id="user-…", language="zh_CN", trace_id="…", client_ip="203.0.113.9")
    instance = client.call(
        "describeProjectInstance", caller=caller, path={"instance_id": "i-…"}
    )["instance"]

The key is the ``system`` API key that ``bmp_bootstrap`` writes alone to a 0600 file; it is
read when first needed and again when the file changes (a rotation), never logged. With it,
openapi acts as the user named in ``bmpUserId`` (``Caller.user_id``), speaks ``bmpLanguage``
and logs ``traceId``. An error answer raises ``OpenapiError`` carrying openapi's envelope
error (its code, status symbol and message in the caller's language).
"""

from __future__ import annotations

import json
import logging
import stat
import threading
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

import urllib3
from jsonschema import Draft4Validator

from bmp_common import pooled_http
from bmp_common.contract import HTTP_METHODS, contract_for, operations

log = logging.getLogger(__name__)

# Parameters the client fills from the ``Caller``, never from a call's arguments.
CALLER_HEADERS = {
    "traceId": "trace_id",
    "bmpLanguage": "language",
    "bmpUserId": "user_id",
    "bmpClientIp": "client_ip",
}
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Keywords of a Swagger parameter that are not JSON Schema.
_PARAMETER_ONLY = {"name", "in", "required", "description", "collectionFormat", "allowEmptyValue"}


# -- errors ----------------------------------------------------------------------------------


class ContractClientError(Exception):
    """Base of every error the client raises."""


class UnknownOperation(ContractClientError):
    """The operationId is not in the contract, or not served on the client's profile."""


class RequestOutsideContract(ContractClientError):
    """What the caller wants to send breaks the operation's contract; nothing was sent."""

    def __init__(self, operation_id: str, detail: str):
        self.operation_id = operation_id
        self.detail = detail
        super().__init__(f"{operation_id}: {detail}")


class AnswerOutsideContract(ContractClientError):
    """openapi answered something its contract does not promise (a bug on either side)."""


class OpenapiUnavailable(ContractClientError):
    """openapi could not be reached, or did not answer in time."""


class KeyFileError(ContractClientError):
    """The system API key file is missing, empty, or readable by others."""


class OpenapiError(ContractClientError):
    """openapi answered with its error envelope: ``{"error": {code, message, status}}``."""

    def __init__(self, *, operation_id: str, code: int, status: str, message: str, request_id=""):
        self.operation_id = operation_id
        self.code = code  # the HTTP status too
        self.status = status  # the symbol, e.g. NOT_FOUND
        self.message = message  # in the caller's language
        self.request_id = request_id
        super().__init__(f"{operation_id}: {code} {status}: {message}")


# -- the caller ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who a call is made for: the headers openapi reads besides the key.

    ``user_id`` empty: the key acts as itself (a ``system`` key may then call only what a BFF
    needs before it knows its user: ``verifyUser``, ``describeUserByName``).
    """

    user_id: str = ""
    language: str = ""
    trace_id: str = ""
    client_ip: str = ""


# -- the key file ----------------------------------------------------------------------------


class KeyFile:
    """An API key kept alone in a file that only its owner may read (mode 0600 or stricter)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._token = ""

    def token(self) -> str:
        try:
            info = self.path.stat()
        except OSError as exc:
            raise KeyFileError(f"API key file {self.path}: {exc.strerror}") from None
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(
                f"API key file {self.path} is readable by others "
                f"(mode {stat.S_IMODE(info.st_mode):o}); chmod 600 it"
            )
        seen = (info.st_mtime_ns, info.st_size)
        with self._lock:
            if seen != self._seen:
                token = self.path.read_text(encoding="utf-8").strip()
                if not token:
                    raise KeyFileError(f"API key file {self.path} is empty")
                self._token, self._seen = token, seen
            return self._token


class Key:
    """An API key held in memory: what a person's client (bmpctl) read from its own config."""

    def __init__(self, token: str):
        if not token.strip():
            raise KeyFileError("the API key is empty")
        self._token = token.strip()

    def token(self) -> str:
        return self._token


# -- schemas ---------------------------------------------------------------------------------


def _as_json_schema(node):
    """Swagger 2.0 schema → JSON Schema draft 4: ``x-nullable: true`` also allows null."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items()}
    if converted.get("x-nullable") and isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
    return converted


def _first_error(validator: Draft4Validator, value) -> str | None:
    error = next(iter(sorted(validator.iter_errors(value), key=lambda e: list(e.path))), None)
    if error is None:
        return None
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path).lstrip(".")
    return f"{where or 'body'}: {error.message[:300]}"


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str  # with the base path, e.g. /v1/project/instances/{instance_id}
    parameters: dict[str, dict]  # name -> the parameter, $refs resolved
    body: Draft4Validator | None
    body_required: bool
    answers: dict[str, Draft4Validator | None]  # "200" / "default" -> validator (None: no body)

    def located(self, where: str) -> dict[str, dict]:
        return {name: p for name, p in self.parameters.items() if p["in"] == where}


class Contract:
    """The operations of one profile of the contract, by operationId."""

    def __init__(self, profile: str | None):
        self.profile = profile
        self.spec = contract_for(profile)
        self._full_ids = {op["operationId"] for op in operations().values()}
        self.definitions = _as_json_schema(self.spec.get("definitions", {}))
        self.operations: dict[str, Operation] = {}
        base = (self.spec.get("basePath") or "").rstrip("/")
        for path, item in self.spec["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method in HTTP_METHODS:
                    self.operations[op["operationId"]] = self._operation(
                        method.upper(), base + path, shared, op
                    )

    def _resolve(self, node: dict, section: str) -> dict:
        ref = node.get("$ref", "")
        prefix = f"#/{section}/"
        return self.spec[section][ref[len(prefix) :]] if ref.startswith(prefix) else node

    def _validator(self, schema: dict) -> Draft4Validator:
        return Draft4Validator({**_as_json_schema(schema), "definitions": self.definitions})

    def _operation(self, method: str, path: str, shared: list, op: dict) -> Operation:
        parameters, body, body_required = {}, None, False
        for raw in [*shared, *op.get("parameters", [])]:
            parameter = self._resolve(raw, "parameters")
            if parameter["in"] == "body":
                body = self._validator(parameter["schema"])
                body_required = bool(parameter.get("required"))
            else:
                parameters[parameter["name"]] = parameter
        answers = {}
        for status, raw in op.get("responses", {}).items():
            response = self._resolve(raw, "responses")
            schema = response.get("schema")
            answers[str(status)] = self._validator(schema) if schema else None
        return Operation(op["operationId"], method, path, parameters, body, body_required, answers)

    def operation(self, operation_id: str) -> Operation:
        found = self.operations.get(operation_id)
        if found is not None:
            return found
        if operation_id in self._full_ids:
            raise UnknownOperation(
                f"{operation_id} is not served on openapi's {self.profile} profile"
            )
        raise UnknownOperation(f"{operation_id} is not an operation of the contract")

    @cached_property
    def error_validator(self) -> Draft4Validator:
        return self._validator({"$ref": "#/definitions/ErrorResponse"})


@lru_cache(maxsize=4)
def profile_contract(profile: str | None) -> Contract:
    """One parsed ``Contract`` per profile and process (building it takes a second)."""
    return Contract(profile)


# -- the client ------------------------------------------------------------------------------


def _parameter_value(operation: Operation, parameter: dict, value):
    """A query/path value as the contract types it: the browser sends strings."""
    kind = parameter.get("type")
    if isinstance(value, str) and kind in ("integer", "number"):
        try:
            value = int(value) if kind == "integer" else float(value)
        except ValueError:
            raise RequestOutsideContract(
                operation.operation_id, f"{parameter['name']}: not a {kind}"
            ) from None
    elif isinstance(value, str) and kind == "boolean" and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    schema = {k: v for k, v in parameter.items() if k not in _PARAMETER_ONLY}
    schema = {k: v for k, v in schema.items() if not k.startswith("x-")}
    problem = _first_error(Draft4Validator(schema), value)
    if problem:
        detail = f"{parameter['name']}: {problem.split(': ', 1)[1]}"
        raise RequestOutsideContract(operation.operation_id, detail)
    return value


def _wire(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class OpenapiClient:
    """Calls openapi operations by operationId, both ways checked against the contract.

    ``profile``: which of openapi's profiles ``base_url`` serves (``console`` on 8802,
    ``operation`` on 8801); operations it does not serve are refused before any request.
    ``key_file`` (a service's key, see ``KeyFile``) or ``key`` (a ``Key``: a person's client).
    Thread-safe: one client per process.
    """

    def __init__(
        self,
        base_url: str,
        *,
        key_file: Path | str | None = None,
        key: Key | None = None,
        profile: str | None,
        timeout: float = 30.0,
        pool_size: int = 8,
    ):
        self.base_url = base_url.rstrip("/")
        if (key_file is None) == (key is None):
            raise TypeError("OpenapiClient takes key_file or key")
        self.key = key if key is not None else KeyFile(key_file)
        self.contract = profile_contract(profile)
        self.http = urllib3.PoolManager(
            maxsize=pool_size,
            retries=False,
            timeout=urllib3.Timeout(connect=3.0, read=timeout),
        )

    def has(self, operation_id: str) -> bool:
        return operation_id in self.contract.operations

    def request_for(
        self,
        operation_id: str,
        *,
        caller: Caller = Caller(),
        path: dict | None = None,
        query: dict | None = None,
        body=None,
        idempotency_key: str = "",
    ) -> tuple[Operation, str, str, dict[str, str], bytes | None]:
        """What ``call`` would send: (operation, method, url, headers, body), checked."""
        operation = self.contract.operation(operation_id)
        url_path = operation.path
        path = dict(path or {})
        for name, parameter in operation.located("path").items():
            if name not in path:
                raise RequestOutsideContract(operation_id, f"{name}: missing path parameter")
            value = _parameter_value(operation, parameter, path.pop(name))
            url_path = url_path.replace("{" + name + "}", quote(_wire(value), safe=""))
        if path:
            raise RequestOutsideContract(operation_id, f"unknown path parameters {sorted(path)}")
        declared = operation.located("query")
        pairs = []
        for name, value in (query or {}).items():
            if name not in declared:
                raise RequestOutsideContract(operation_id, f"{name}: not a query parameter")
            if value is None or value == "":
                continue
            pairs.append((name, _wire(_parameter_value(operation, declared[name], value))))
        given = {name for name, _ in pairs}
        for name, parameter in declared.items():
            if parameter.get("required") and name not in given:
                raise RequestOutsideContract(operation_id, f"{name}: required")
        headers = {"Accept": "application/json"}
        headers_declared = operation.located("header")
        for header, attribute in CALLER_HEADERS.items():
            value = getattr(caller, attribute)
            if value and header in headers_declared:
                headers[header] = value
        if idempotency_key:
            if IDEMPOTENCY_HEADER not in headers_declared:
                raise RequestOutsideContract(operation_id, "takes no Idempotency-Key")
            headers[IDEMPOTENCY_HEADER] = _wire(
                _parameter_value(operation, headers_declared[IDEMPOTENCY_HEADER], idempotency_key)
            )
        payload = None
        if body is not None:
            if operation.body is None:
                raise RequestOutsideContract(operation_id, "takes no body")
            problem = _first_error(operation.body, body)
            if problem:
                raise RequestOutsideContract(operation_id, problem)
            payload = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        elif operation.body_required:
            raise RequestOutsideContract(operation_id, "body: required")
        url = self.base_url + url_path + (f"?{urlencode(pairs)}" if pairs else "")
        return operation, operation.method, url, headers, payload

    def call(self, operation_id: str, **arguments):
        """The ``result`` of the operation's answer; raises ``OpenapiError`` on an error answer.

        Arguments: ``caller``, ``path`` / ``query`` (dicts by parameter name), ``body`` (JSON
        value), ``idempotency_key``.
        """
        operation, method, url, headers, payload = self.request_for(operation_id, **arguments)
        headers["Authorization"] = f"Bearer {self.key.token()}"
        try:
            answer = pooled_http.request(self.http, method, url, body=payload, headers=headers)
        except urllib3.exceptions.HTTPError as exc:
            log.warning("openapi %s unreachable: %s", operation_id, type(exc).__name__)
            raise OpenapiUnavailable(f"{operation_id}: {type(exc).__name__}") from None
        return self._answer(operation, answer.status, answer.headers, answer.data)

    def _answer(self, operation: Operation, status: int, headers, data: bytes):
        operation_id = operation.operation_id
        media = (headers.get("Content-Type") or "").split(";", 1)[0].strip()
        try:
            body = json.loads(data) if media == "application/json" else None
        except ValueError:
            body = None
        if body is None:
            raise AnswerOutsideContract(f"{operation_id}: {status} answer is not JSON ({media})")
        if status >= 400:
            problem = _first_error(self.contract.error_validator, body)
            if problem or body["error"]["code"] != status:
                raise AnswerOutsideContract(f"{operation_id}: {status} not an error envelope")
            error = body["error"]
            raise OpenapiError(
                operation_id=operation_id,
                code=error["code"],
                status=error["status"],
                message=error["message"],
                request_id=body.get("requestId", ""),
            )
        validator = operation.answers.get(str(status), operation.answers.get("default"))
        if str(status) not in operation.answers and "default" not in operation.answers:
            raise AnswerOutsideContract(f"{operation_id}: answered {status}, not in its contract")
        if validator is not None:
            problem = _first_error(validator, body)
            if problem:
                raise AnswerOutsideContract(f"{operation_id}: {status} answer: {problem}")
        return body.get("result") if isinstance(body, dict) else body


def system_key_file() -> Path:
    """Where ``bmp_bootstrap`` writes the BFFs' system key (``BMP_SYSTEM_API_KEY_FILE``)."""
    from bmp_common import env

    return Path(env.env_str("BMP_SYSTEM_API_KEY_FILE", str(env.data_dir() / "system-api-key")))


__all__ = [
    "AnswerOutsideContract",
    "Caller",
    "ContractClientError",
    "Key",
    "KeyFile",
    "KeyFileError",
    "OpenapiClient",
    "OpenapiError",
    "OpenapiUnavailable",
    "RequestOutsideContract",
    "UnknownOperation",
    "system_key_file",
]
