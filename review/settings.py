"""The server's settings, read and checked once at start-up; every part of the server reads this one
object, so nothing (a secrets file written later, say) can change a decision taken at start.

Sign-in: an `[auth]` section in a Streamlit secrets file means OIDC; no section means local mode
(anyone on this machine picks a user). A secrets file that does not parse, or an [auth] section
that lacks what Streamlit needs, stops the server with a message instead of guessing a mode.
"""

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What Streamlit's st.login needs: in [auth] itself, and the provider's part either there too or
# in a named provider table ([auth.okta]).
_AUTH_KEYS = ("redirect_uri", "cookie_secret")
_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it and where it was read."""


@dataclass(frozen=True)
class Settings:
    """What the server was started with."""

    local_mode: bool
    # The secrets files that configured sign-in (empty in local mode), for messages.
    auth_files: tuple[Path, ...] = ()


def secrets_paths(project_root: Path = PROJECT_ROOT, home: Path | None = None,
                  cwd: Path | None = None) -> list[Path]:
    """The secrets files Streamlit reads, in the order it merges them (later wins)."""
    return [
        (home or Path.home()) / ".streamlit" / "secrets.toml",
        (cwd or Path.cwd()) / ".streamlit" / "secrets.toml",
        project_root / ".streamlit" / "secrets.toml",
    ]


def load_settings(paths: list[Path] | None = None) -> Settings:
    """Read and check the settings now; SettingsError names what is wrong."""
    auth: dict[str, Any] = {}
    auth_files: list[Path] = []
    for path in dict.fromkeys(paths if paths is not None else secrets_paths()):
        section = _auth_section(path)
        if section is not None:
            auth = _merged(auth, section)
            auth_files.append(path)
    if not auth_files:
        return Settings(local_mode=True)
    _check_auth(auth, auth_files)
    return Settings(local_mode=False, auth_files=tuple(auth_files))


@cache
def get_settings() -> Settings:
    """The settings of this process, read once (at start-up: the server asks before serving)."""
    return load_settings()


def _auth_section(path: Path) -> Mapping[str, Any] | None:
    try:
        with path.open("rb") as stream:
            secrets = tomllib.load(stream)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path} cannot be read as TOML: {error}") from None
    section = secrets.get("auth")
    if section is not None and not isinstance(section, dict):
        raise SettingsError(f"{path}: `auth` must be a table ([auth]), not a {type(section).__name__}")
    return section


def _merged(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _check_auth(auth: Mapping[str, Any], files: list[Path]) -> None:
    where = ", ".join(str(path) for path in files)
    missing = [key for key in _AUTH_KEYS if not _filled(auth.get(key))]
    providers = [auth, *[value for value in auth.values() if isinstance(value, dict)]]
    if not any(all(_filled(provider.get(key)) for key in _PROVIDER_KEYS) for provider in providers):
        missing += [key for key in _PROVIDER_KEYS if not _filled(auth.get(key))]
    if missing:
        raise SettingsError(
            f"the [auth] section in {where} is incomplete: {', '.join(missing)} missing. Sign-in "
            "needs redirect_uri, cookie_secret, client_id, client_secret and server_metadata_url "
            "(see .streamlit/secrets.example.toml); remove the section to run in local mode."
        )


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def environment_flag(name: str, environ: Mapping[str, str] = os.environ) -> bool:
    """An on/off environment setting: 1/true/yes/on or 0/false/no/off/empty; anything else is
    refused rather than guessed."""
    value = environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be 1 or 0 (true/false), not {value!r}")


ALERT_URL_VARIABLE = "WORKBENCH_ALERT_URL"
ALERT_QUEUE_DEPTH_VARIABLE = "WORKBENCH_ALERT_QUEUE_DEPTH"
DEFAULT_ALERT_QUEUE_DEPTH = 500


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go (None: recorded and shown, not posted) and the queue depth that raises one."""

    url: str | None = None
    queue_depth: int = DEFAULT_ALERT_QUEUE_DEPTH


def load_alert_settings(environ: Mapping[str, str] = os.environ) -> AlertSettings:
    """Read `WORKBENCH_ALERT_URL` and `WORKBENCH_ALERT_QUEUE_DEPTH` now; SettingsError names a bad one."""
    raw_depth = environ.get(ALERT_QUEUE_DEPTH_VARIABLE, "").strip()
    try:
        depth = int(raw_depth) if raw_depth else DEFAULT_ALERT_QUEUE_DEPTH
    except ValueError:
        raise SettingsError(
            f"{ALERT_QUEUE_DEPTH_VARIABLE} must be a whole number, not {raw_depth!r}") from None
    if depth < 1:
        raise SettingsError(f"{ALERT_QUEUE_DEPTH_VARIABLE} must be at least 1, not {depth}")
    return AlertSettings(url=environ.get(ALERT_URL_VARIABLE, "").strip() or None, queue_depth=depth)


@cache
def get_alert_settings() -> AlertSettings:
    """The alert settings of this process, read once."""
    return load_alert_settings()
