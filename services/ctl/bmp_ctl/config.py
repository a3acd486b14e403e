"""Where bmpctl finds the API and the key: ``BMP_API_URL`` / ``BMP_API_KEY``, else the config file.

The file is ``$XDG_CONFIG_HOME/bmp/config`` (``~/.config/bmp/config`` when unset), INI with one
``[default]`` section::

    [default]
    url = http://127.0.0.1:8801
    key = …
    profile = operation
    language = zh_CN

``bmpctl configure`` writes it with mode 0600 in a 0700 folder; a file others may read is
refused, as ssh refuses such a key. ``BMP_API_PROFILE`` and ``BMP_LANG`` override the file too.
"""

from __future__ import annotations

import configparser
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

SECTION = "default"
DEFAULT_URL = "http://127.0.0.1:8801"
PROFILES = ("operation", "console")
DEFAULT_PROFILE = "operation"


class ConfigError(Exception):
    def __init__(self, key: str, **values):
        self.key = key  # a texts key
        self.values = values
        super().__init__(key)


@dataclass
class Settings:
    url: str = ""
    key: str = ""
    profile: str = DEFAULT_PROFILE
    language: str = ""


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bmp" / "config"


def read_file(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        info = path.stat()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError("config unreadable", path=path, detail=exc.strerror) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError("config open", path=path, mode=f"{stat.S_IMODE(info.st_mode):o}")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (OSError, configparser.Error) as exc:
        raise ConfigError("config unreadable", path=path, detail=str(exc)) from None
    section = parser[SECTION] if parser.has_section(SECTION) else {}
    return Settings(
        url=section.get("url", "").strip(),
        key=section.get("key", "").strip(),
        profile=section.get("profile", "").strip() or DEFAULT_PROFILE,
        language=section.get("language", "").strip(),
    )


def settings() -> Settings:
    """The file, then the environment on top."""
    found = read_file()
    found.url = os.environ.get("BMP_API_URL", "").strip() or found.url
    found.key = os.environ.get("BMP_API_KEY", "").strip() or found.key
    found.profile = os.environ.get("BMP_API_PROFILE", "").strip() or found.profile
    found.language = os.environ.get("BMP_LANG", "").strip() or found.language
    return found


def profile_only() -> str:
    """The profile, for building the commands (a file others can read is refused later)."""
    chosen = os.environ.get("BMP_API_PROFILE", "").strip()
    if not chosen:
        try:
            chosen = read_file().profile
        except ConfigError:
            chosen = DEFAULT_PROFILE
    return chosen if chosen in PROFILES else DEFAULT_PROFILE


def write_file(found: Settings, path: Path | None = None) -> Path:
    """Writes the settings with mode 0600 (folder 0700), atomically."""
    path = path or config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    parser = configparser.ConfigParser(interpolation=None)
    parser[SECTION] = {"url": found.url, "key": found.key, "profile": found.profile}
    if found.language:
        parser[SECTION]["language"] = found.language
    descriptor, temporary = tempfile.mkstemp(prefix=".config.", dir=path.parent)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            parser.write(handle)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
