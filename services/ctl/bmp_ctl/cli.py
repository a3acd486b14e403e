"""``bmpctl <tag> <operationId> --field value``: the parser built from the contract, and a run.

Besides the operations: ``bmpctl configure`` (the config file) and ``bmpctl completion bash|zsh``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
import textwrap
from pathlib import Path

from bmp_ctl import commands as cmd
from bmp_ctl import config, output, texts, wait
from bmp_ctl.commands import Command, Option, Tag

OUTPUTS = ("table", "json", "yaml", "value")
LANGS = ("en", "zh")
# Exit codes.
EXIT_OK, EXIT_API, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
_DEST = "opt:"
WIDTH = 90
LONG_HELP = 300  # options' argparse dests: opt:<where>:<name>


class UsageError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# -- values ----------------------------------------------------------------------------------


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"{value!r}: true or false")


_boolean.__name__ = "boolean"  # argparse names the type in its error
_TYPES = {cmd.STRING: str, cmd.INTEGER: int, cmd.NUMBER: float, cmd.BOOLEAN: _boolean}
_METAVARS = {
    cmd.STRING: "TEXT",
    cmd.INTEGER: "INT",
    cmd.NUMBER: "NUMBER",
    cmd.BOOLEAN: "true|false",
}


def _help_of(option: Option, say) -> str:
    parts = []
    description = option.description
    if len(description) > LONG_HELP:  # the first sentence: the contract has the rest
        description = description.split(". ", 1)[0].rstrip(".") + "."
    if description:
        parts.append(description.replace("%", "%%"))
    facts = [f"{say('help.in')}: {option.where}"]
    if option.kind == cmd.JSON:
        facts.append(say("help.json"))
    elif option.kind == cmd.LIST:
        facts.append(say("help.list"))
    if option.limits:
        facts.append(option.limits.replace("%", "%%"))
    if option.required:
        facts.append(say("help.required"))
    parts.append(f"({'; '.join(facts)})")
    return " ".join(parts)


def _add_option(group, option: Option, say) -> None:
    spec: dict = {"dest": f"{_DEST}{option.where}:{option.name}", "default": None}
    spec["help"] = _help_of(option, say)
    if option.kind == cmd.LIST:
        spec.update(
            nargs="+",
            action="extend",
            type=_TYPES[option.item_kind],
            metavar=_METAVARS[option.item_kind],
        )
    elif option.kind == cmd.JSON:
        spec.update(metavar="JSON")
    else:
        spec.update(type=_TYPES[option.kind], metavar=_METAVARS[option.kind])
    if option.choices:
        spec["choices"] = option.choices
        spec["metavar"] = "{" + ",".join(str(c) if c != "" else "''" for c in option.choices) + "}"
    if option.where in (cmd.PATH, cmd.QUERY) and option.required:
        spec["required"] = True
    group.add_argument(option.flag, **spec)


def _common_options(parser, say, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group(say("common options"))
    group.add_argument("-o", "--output", choices=OUTPUTS, default=default, help=say("help.output"))
    group.add_argument("--lang", choices=LANGS, default=default, help=say("help.lang"))
    group.add_argument("--columns", default=default, help=say("help.columns"))


COMMON_FLAGS = {"-o": OUTPUTS, "--output": OUTPUTS, "--lang": LANGS, "--columns": (), "-h": None}
COMMON_FLAGS["--help"] = None


def _operation_parser(commands_of_tag, command: Command, say) -> None:
    description = "\n\n".join(
        textwrap.fill(part.replace("%", "%%"), width=WIDTH)
        for part in (command.summary, command.description)
        if part
    )
    parser = commands_of_tag.add_parser(
        command.operation_id,
        help=command.help.replace("%", "%%"),
        description=f"{description}\n\n{command.method} /v1{command.path}".strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_argument_group(say("operation options"))
    for option in command.options:
        _add_option(group, option, say)
    if command.has_body:
        group.add_argument("--body", metavar="JSON|@FILE", help=say("help.body"))
    if command.operation_id in wait.WAITABLE:
        group.add_argument("--wait", action="store_true", help=say("help.wait"))
        group.add_argument("--timeout", type=float, default=3600.0, help=say("help.timeout"))
        group.add_argument("--interval", type=float, default=1.0, help=say("help.interval"))
    _common_options(parser, say, suppress=True)
    parser.set_defaults(command=command)


def build_parser(tags: dict[str, Tag], say) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bmpctl", description=say("description"), epilog=say("epilog")
    )
    _common_options(parser, say, suppress=False)
    tag_parsers = parser.add_subparsers(dest="tag", metavar="<tag>", title=say("tags"))
    tag_parsers.required = True
    configure = tag_parsers.add_parser(
        "configure", help=say("help.configure"), description=say("help.configure.key")
    )
    configure.add_argument("--url", default=config.DEFAULT_URL, help=say("help.configure.url"))
    configure.add_argument("--profile", choices=config.PROFILES, help=say("help.configure.profile"))
    configure.add_argument("--lang", choices=LANGS, default=argparse.SUPPRESS)
    configure.set_defaults(command="configure")
    completion = tag_parsers.add_parser("completion", help=say("help.completion"))
    completion.add_argument("shell", choices=("bash", "zsh"))
    completion.set_defaults(command="completion")
    for name, tag in tags.items():
        tag_parser = tag_parsers.add_parser(name, help=tag.description, description=tag.description)
        commands_of_tag = tag_parser.add_subparsers(
            dest="operation", metavar="<operationId>", title=say("operations")
        )
        commands_of_tag.required = True
        for command in tag.commands.values():
            _operation_parser(commands_of_tag, command, say)
    return parser


# -- a run -----------------------------------------------------------------------------------


def _json_value(text: str, flag: str, say):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(say("value not json", flag=flag, detail=exc)) from None


def _body_base(text: str | None, say) -> dict:
    if text is None:
        return {}
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = sys.stdin.read() if text == "@-" else path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(say("body unreadable", path=path, detail=exc.strerror)) from None
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise UsageError(say("body not json", detail=exc)) from None
    if not isinstance(body, dict):
        raise UsageError(say("body not object"))
    return body


def request_of(command: Command, args, say) -> dict:
    """The call's arguments (path, query, body, idempotency key) from the parsed options."""
    given = {key[len(_DEST) :]: value for key, value in vars(args).items() if key.startswith(_DEST)}
    path, query, headers = {}, {}, {}
    body = _body_base(getattr(args, "body", None), say) if command.has_body else None
    for option in command.options:
        value = given.get(f"{option.where}:{option.name}")
        if value is None:
            continue
        if option.kind == cmd.JSON:
            value = _json_value(value, option.flag, say)
        {cmd.PATH: path, cmd.QUERY: query, cmd.HEADER: headers, cmd.BODY: body}[option.where][
            option.name
        ] = value
    arguments: dict = {"path": path, "query": query}
    if command.has_body:
        missing = [
            option.flag
            for option in command.located(cmd.BODY)
            if option.required and option.name not in body
        ]
        if missing:
            raise UsageError(say("missing fields", names=", ".join(missing)))
        if body or command.body_required:
            arguments["body"] = body
    if headers.get("Idempotency-Key"):
        arguments["idempotency_key"] = headers["Idempotency-Key"]
    return arguments


def _unreachable_detail(error) -> str:
    cause = error.__context__
    reason = getattr(cause, "reason", None) or cause
    text = str(reason) if reason else str(error)
    # urllib3 names its connection object first: keep what happened.
    return text.split("): ", 1)[-1] if "): " in text else text


def _client(settings: config.Settings):
    from bmp_common.contract.client import Key, OpenapiClient

    return OpenapiClient(settings.url, key=Key(settings.key), profile=settings.profile)


def run_operation(args, settings: config.Settings, say, language: str) -> int:
    from bmp_common.contract.client import (
        AnswerOutsideContract,
        Caller,
        OpenapiError,
        OpenapiUnavailable,
        RequestOutsideContract,
    )

    command: Command = args.command
    err = sys.stderr
    if not settings.url or not settings.key:
        err.write(f"bmpctl: {say('no credentials')}\n")
        return EXIT_USAGE
    client = _client(settings)
    caller = Caller(language=language)
    try:
        arguments = request_of(command, args, say)
        result = client.call(command.operation_id, caller=caller, **arguments)
        chosen = getattr(args, "output", None) or ("table" if sys.stdout.isatty() else "json")
        columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
        shown = output.render(result, chosen, say, columns)
        if shown:
            sys.stdout.write(shown + "\n")
            sys.stdout.flush()
        if getattr(args, "wait", False):
            ids = wait.instance_ids(
                command.operation_id, arguments["path"], arguments.get("body"), result
            )
            waiter = wait.Waiter(
                client, caller, say, err, interval=args.interval, timeout=args.timeout
            )
            return waiter.wait(ids)
        return EXIT_OK
    except UsageError as error:
        err.write(f"bmpctl: {error.message}\n")
        return EXIT_USAGE
    except RequestOutsideContract as error:
        err.write(f"bmpctl: {say('outside contract', detail=error.detail)}\n")
        return EXIT_USAGE
    except OpenapiError as error:
        # The API's own words, as it sent them (in the language asked for).
        request = f" [requestId {error.request_id}]" if error.request_id else ""
        err.write(f"{say('error')} {error.code} {error.status}: {error.message}{request}\n")
        return EXIT_API
    except OpenapiUnavailable as error:
        detail = _unreachable_detail(error)
        err.write(f"bmpctl: {say('unreachable', url=settings.url, detail=detail)}\n")
        return EXIT_UNREACHABLE
    except AnswerOutsideContract as error:
        err.write(f"bmpctl: {say('answer outside contract', detail=error)}\n")
        return EXIT_API


def _read_key(stdin, say) -> str:
    if stdin.isatty():
        return getpass.getpass(say("prompt.key")).strip()
    for line in stdin.read().splitlines():
        line = line.strip()
        if line.startswith("BMP_ADMIN_API_KEY="):
            return line.split("=", 1)[1].strip()
        if line and "=" not in line:
            return line
    return ""


def _served_profile(url: str) -> str:
    """Which profile ``url`` serves: the one whose operations its /swagger.json lists."""
    import urllib3

    from bmp_common.contract import contract_for

    answer = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(5.0)).request(
        "GET", url.rstrip("/") + "/swagger.json"
    )
    if answer.status != 200:
        raise OSError(f"/swagger.json answered {answer.status}")
    served = {
        op.get("operationId")
        for item in json.loads(answer.data)["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
    }

    def ids(profile):
        return {
            op.get("operationId")
            for item in contract_for(profile)["paths"].values()
            for op in item.values()
            if isinstance(op, dict)
        }

    return max(config.PROFILES, key=lambda p: len(ids(p) & served) - len(ids(p) - served))


def run_configure(args, say) -> int:
    key = _read_key(sys.stdin, say)
    if not key:
        sys.stderr.write(f"bmpctl: {say('configure.no key')}\n")
        return EXIT_USAGE
    profile = args.profile
    if not profile:
        try:
            profile = _served_profile(args.url)
        except Exception as exc:  # any failure: say it, keep the default
            detail = str(getattr(exc, "reason", None) or exc)
            sys.stderr.write(
                f"bmpctl: {say('configure.profile unknown', url=args.url, detail=detail)}\n"
            )
            profile = config.DEFAULT_PROFILE
    found = config.Settings(url=args.url.rstrip("/"), key=key, profile=profile)
    if getattr(args, "lang", None):
        found.language = texts.normalise(args.lang) or ""
    path = config.write_file(found)
    sys.stdout.write(say("configure.saved", path=path, url=found.url, profile=profile) + "\n")
    return EXIT_OK


def _pre_scan(argv: list[str], flag: str) -> str | None:
    for index, word in enumerate(argv):
        if word == flag and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith(flag + "="):
            return word.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # What the contract client logs is for services' logs; bmpctl says what went wrong itself.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        settings = config.settings()
        config_error = None
    except config.ConfigError as error:
        settings, config_error = config.Settings(profile=config.profile_only()), error
    language = (
        texts.normalise(_pre_scan(argv, "--lang"))
        or texts.normalise(settings.language)
        or texts.from_environment()
        or texts.EN_US
    )
    say = texts.Texts(language)
    say.install_argparse()
    tags = cmd.load_tags(settings.profile if settings.profile in config.PROFILES else None)
    parser = build_parser(tags, say)
    args = parser.parse_args(argv)
    if args.command == "configure":
        return run_configure(args, say)
    if args.command == "completion":
        from bmp_ctl import completion

        extra = {
            "configure": {"--url": (), "--profile": config.PROFILES, "--lang": LANGS},
            "completion": {"": completion.SHELLS},
        }
        sys.stdout.write(completion.script(args.shell, tags, extra, COMMON_FLAGS))
        return EXIT_OK
    if config_error is not None:
        sys.stderr.write(f"bmpctl: {say(config_error.key, **config_error.values)}\n")
        return EXIT_USAGE
    return run_operation(args, settings, say, language)
