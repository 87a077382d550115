"""Whether OIDC sign-in is configured, read from the secrets files Streamlit reads."""

import tomllib
from pathlib import Path


def secrets_paths(project_root: Path) -> list[Path]:
    """The secrets files Streamlit looks at: the user's, the working directory's, the app's."""
    return [
        Path.home() / ".streamlit" / "secrets.toml",
        Path.cwd() / ".streamlit" / "secrets.toml",
        project_root / ".streamlit" / "secrets.toml",
    ]


def auth_is_configured(project_root: Path) -> bool:
    """Whether any secrets file has an `[auth]` section (else the app runs in local mode)."""
    for path in secrets_paths(project_root):
        try:
            with path.open("rb") as stream:
                if "auth" in tomllib.load(stream):
                    return True
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return False
