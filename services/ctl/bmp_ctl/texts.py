"""bmpctl's own words in English and Chinese; the API's messages come in the language asked for.

The language: ``--lang``, else the config file's ``language``, else ``LC_ALL`` / ``LC_MESSAGES``
/ ``LANG`` (``zh…`` is Chinese), else English. It is also sent as ``bmpLanguage``, so openapi
answers in it. argparse's few words of its own (usage, errors) are translated too.
"""

from __future__ import annotations

import argparse
import os

EN_US = "en_US"
ZH_CN = "zh_CN"
LANGUAGES = (EN_US, ZH_CN)
_ALIASES = {"en": EN_US, "en_us": EN_US, "zh": ZH_CN, "zh_cn": ZH_CN, "zh_hans": ZH_CN}

TEXTS: dict[str, dict[str, str]] = {
    # the program
    "description": {
        EN_US: "Command-line client of the BMP API: every operation of the contract as "
        "`bmpctl <tag> <operationId> --field value`.",
        ZH_CN: "BMP API 命令行客户端：契约中的每个操作都是 "
        "`bmpctl <标签> <operationId> --字段 值`。",
    },
    "epilog": {
        EN_US: "Credentials: `bmpctl configure` (~/.config/bmp/config) or BMP_API_URL and "
        "BMP_API_KEY. Exit codes: 0 done, 1 the API refused or the job failed, 2 usage, "
        "3 the API cannot be reached, 4 --wait timed out.",
        ZH_CN: "凭据：`bmpctl configure`（~/.config/bmp/config）或环境变量 BMP_API_URL 和 "
        "BMP_API_KEY。退出码：0 完成，1 API 拒绝或任务失败，2 用法错误，3 无法连接 API，"
        "4 --wait 超时。",
    },
    "tags": {EN_US: "resources (tags of the contract)", ZH_CN: "资源（契约中的标签）"},
    "operations": {EN_US: "operations", ZH_CN: "操作"},
    "operation options": {EN_US: "operation options", ZH_CN: "操作选项"},
    "common options": {EN_US: "common options", ZH_CN: "通用选项"},
    "help.output": {
        EN_US: "how to show the result (default: table on a terminal, else json); value: the "
        "columns' values alone, tab-separated, for a shell variable",
        ZH_CN: "结果的显示方式（默认：终端上为 table，否则为 json）；value：仅各列的值，"
        "以制表符分隔，便于赋给 shell 变量",
    },
    "help.lang": {EN_US: "language of messages: en or zh", ZH_CN: "消息语言：en 或 zh"},
    "help.columns": {
        EN_US: "table columns, comma-separated (all: every plain field)",
        ZH_CN: "表格列，逗号分隔（all：全部简单字段）",
    },
    "help.body": {
        EN_US: "the whole request body as JSON, or @file.json; options override its fields",
        ZH_CN: "整个请求体（JSON），或 @文件.json；选项覆盖其中的字段",
    },
    "help.wait": {
        EN_US: "wait for the job the action starts, with its steps as a progress bar",
        ZH_CN: "等待操作启动的任务结束，以进度条显示其步骤",
    },
    "help.timeout": {
        EN_US: "seconds --wait waits at most (default 3600)",
        ZH_CN: "--wait 最长等待秒数（默认 3600）",
    },
    "help.interval": {
        EN_US: "seconds between two looks at the job (default 1)",
        ZH_CN: "两次查询任务之间的秒数（默认 1）",
    },
    "help.required": {EN_US: "required", ZH_CN: "必填"},
    "help.in": {EN_US: "in", ZH_CN: "位置"},
    "help.json": {EN_US: "JSON", ZH_CN: "JSON"},
    "help.list": {EN_US: "one or more values", ZH_CN: "一个或多个值"},
    "help.configure": {
        EN_US: "save the API's address and your API key in the config file (mode 0600)",
        ZH_CN: "把 API 地址和 API 密钥保存到配置文件（权限 0600）",
    },
    "help.configure.url": {
        EN_US: "the API's address (default http://127.0.0.1:8801, the operator API)",
        ZH_CN: "API 地址（默认 http://127.0.0.1:8801，运营 API）",
    },
    "help.configure.profile": {
        EN_US: "the API's profile: operation (port 8801) or console (8802); "
        "default: asked of the API",
        ZH_CN: "API 的配置：operation（8801 端口）或 console（8802）；默认向 API 询问",
    },
    "help.configure.key": {
        EN_US: "the key is asked for on a terminal, else read from standard input (a line "
        "BMP_ADMIN_API_KEY=… as `./bmp-deploy.sh credentials` prints it, or the key alone)",
        ZH_CN: "在终端上会提示输入密钥，否则从标准输入读取（`./bmp-deploy.sh credentials` 输出的 "
        "BMP_ADMIN_API_KEY=… 行，或仅密钥本身）",
    },
    "help.completion": {
        EN_US: 'print a shell completion script: eval "$(bmpctl completion bash)"',
        ZH_CN: '输出 shell 补全脚本：eval "$(bmpctl completion bash)"',
    },
    # configure
    "prompt.key": {EN_US: "API key: ", ZH_CN: "API 密钥："},
    "configure.saved": {
        EN_US: "saved {path} (API {url}, profile {profile})",
        ZH_CN: "已保存 {path}（API {url}，配置 {profile}）",
    },
    "configure.no key": {
        EN_US: "no API key given (on standard input or at the prompt)",
        ZH_CN: "未提供 API 密钥（标准输入或提示输入）",
    },
    "configure.profile unknown": {
        EN_US: "could not ask {url} which profile it serves ({detail}); saved as operation",
        ZH_CN: "无法向 {url} 询问其配置（{detail}）；按 operation 保存",
    },
    # errors
    "error": {EN_US: "error", ZH_CN: "错误"},
    "no credentials": {
        EN_US: "no API credentials: run `bmpctl configure` or set BMP_API_URL and BMP_API_KEY",
        ZH_CN: "没有 API 凭据：请运行 `bmpctl configure`，或设置 BMP_API_URL 和 BMP_API_KEY",
    },
    "config unreadable": {
        EN_US: "the config file {path} cannot be read: {detail}",
        ZH_CN: "无法读取配置文件 {path}：{detail}",
    },
    "config open": {
        EN_US: "the config file {path} is readable by others (mode {mode}); chmod 600 it",
        ZH_CN: "配置文件 {path} 可被他人读取（权限 {mode}）；请执行 chmod 600",
    },
    "unreachable": {
        EN_US: "cannot reach the API at {url}: {detail}",
        ZH_CN: "无法连接 API {url}：{detail}",
    },
    "outside contract": {
        EN_US: "not sent, the contract refuses it: {detail}",
        ZH_CN: "未发送，契约不允许：{detail}",
    },
    "answer outside contract": {
        EN_US: "the API answered outside its contract: {detail}",
        ZH_CN: "API 的应答不符合契约：{detail}",
    },
    "body not json": {
        EN_US: "--body is not JSON: {detail}",
        ZH_CN: "--body 不是 JSON：{detail}",
    },
    "body not object": {EN_US: "--body must be a JSON object", ZH_CN: "--body 必须是 JSON 对象"},
    "body unreadable": {
        EN_US: "--body file {path} cannot be read: {detail}",
        ZH_CN: "无法读取 --body 文件 {path}：{detail}",
    },
    "value not json": {
        EN_US: "{flag}: not JSON: {detail}",
        ZH_CN: "{flag}：不是 JSON：{detail}",
    },
    "missing fields": {
        EN_US: "missing required fields: {names}",
        ZH_CN: "缺少必填字段：{names}",
    },
    "no wait": {
        EN_US: "--wait: {operation} starts no job to wait for",
        ZH_CN: "--wait：{operation} 不会启动可等待的任务",
    },
    # --wait
    "wait.waiting": {EN_US: "waiting", ZH_CN: "等待中"},
    "wait.queued": {EN_US: "queued", ZH_CN: "排队中"},
    "wait.step": {EN_US: "step {step}/{steps}", ZH_CN: "步骤 {step}/{steps}"},
    "wait.attempt": {EN_US: "attempt {attempt}", ZH_CN: "第 {attempt} 次尝试"},
    "wait.done": {EN_US: "{instance}: {status}", ZH_CN: "{instance}：{status}"},
    "wait.gone": {EN_US: "{instance}: deleted", ZH_CN: "{instance}：已删除"},
    "wait.failed": {
        EN_US: "{instance}: {status}: {reason}",
        ZH_CN: "{instance}：{status}：{reason}",
    },
    "wait.timeout": {
        EN_US: "{instance}: still {status} after {seconds} s",
        ZH_CN: "{instance}：{seconds} 秒后仍为 {status}",
    },
    # tables
    "table.page": {
        EN_US: "page {page} of {pages}, {total} in all",
        ZH_CN: "第 {page}/{pages} 页，共 {total} 条",
    },
    "table.empty": {EN_US: "(none)", ZH_CN: "（无）"},
    "table.field": {EN_US: "FIELD", ZH_CN: "字段"},
    "table.value": {EN_US: "VALUE", ZH_CN: "值"},
}

# argparse's own words (it looks ``_`` up at call time).
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少以下参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "无效选项：%(value)r（可选：%(choices)s）"
    ),
    "expected one argument": "需要一个值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected at least one argument": "至少需要一个值",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项不明确：%(option)s 可匹配 %(matches)s"
    ),
}


def normalise(value: str | None) -> str | None:
    if not value:
        return None
    key = value.split(".", 1)[0].replace("-", "_").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("zh"):
        return ZH_CN
    if key.startswith("en") or key in ("c", "posix"):
        return EN_US
    return None


def from_environment() -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        found = normalise(os.environ.get(name))
        if found:
            return found
    return None


class Texts:
    def __init__(self, language: str = EN_US):
        self.language = language if language in LANGUAGES else EN_US

    def __call__(self, key: str, **values) -> str:
        entry = TEXTS[key]
        text = entry.get(self.language) or entry[EN_US]
        return text.format(**values) if values else text

    def install_argparse(self) -> None:
        """argparse's own words in this language."""
        if self.language == ZH_CN:
            argparse._ = lambda text: _ARGPARSE_ZH.get(text, text)
        else:
            argparse._ = lambda text: text
