"""Start-up settings: the sign-in mode is read once from the secrets files, and a broken [auth]
section is refused with a message instead of silently meaning local mode."""

from pathlib import Path

import pytest

from review.settings import SettingsError, load_settings

COMPLETE = """
[auth]
redirect_uri = "https://wb.example.com/oauth2callback"
cookie_secret = "a-long-random-value"
client_id = "workbench"
client_secret = "s3cret"
server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
"""


def _secrets(directory: Path, text: str) -> Path:
    path = directory / ".streamlit" / "secrets.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_no_secrets_file_or_no_auth_section_means_local_mode(tmp_path):
    assert load_settings([tmp_path / "missing.toml"]).local_mode
    assert load_settings([_secrets(tmp_path, '[other]\nkey = "v"\n')]).local_mode


def test_a_complete_auth_section_means_sign_in(tmp_path):
    path = _secrets(tmp_path, COMPLETE)
    settings = load_settings([path])
    assert (settings.local_mode, settings.auth_files) == (False, (path,))


def test_a_named_provider_table_counts_as_complete(tmp_path):
    text = ('[auth]\nredirect_uri = "https://wb/oauth2callback"\ncookie_secret = "x"\n'
            '[auth.okta]\nclient_id = "wb"\nclient_secret = "s"\nserver_metadata_url = "https://okta/x"\n')
    assert not load_settings([_secrets(tmp_path, text)]).local_mode


PARTIAL = ["[auth]\n", "[auth]\ncookie_secret = 'x'\n", COMPLETE.replace("s3cret", "")]


@pytest.mark.parametrize("text", PARTIAL)
def test_an_empty_or_partial_auth_section_is_refused_naming_what_is_missing(tmp_path, text):
    path = _secrets(tmp_path, text)
    incomplete = r"\[auth\] section in .*secrets.toml is incomplete: .*client_secret"
    with pytest.raises(SettingsError, match=incomplete):
        load_settings([path])


def test_a_secrets_file_that_is_not_toml_is_refused_naming_the_file(tmp_path):
    path = _secrets(tmp_path, "[auth\nredirect_uri = 1\n")
    with pytest.raises(SettingsError, match=rf"{path} cannot be read as TOML"):
        load_settings([path])


def test_auth_that_is_not_a_table_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="`auth` must be a table"):
        load_settings([_secrets(tmp_path, 'auth = "yes"\n')])


def test_sections_split_over_two_files_are_merged_like_streamlit_does(tmp_path):
    home = _secrets(tmp_path / "home", "[auth]\ncookie_secret = 'x'\nredirect_uri = 'https://wb/cb'\n")
    project = _secrets(tmp_path / "project", "[auth]\nclient_id = 'wb'\nclient_secret = 's'\n"
                       "server_metadata_url = 'https://idp/x'\n")
    assert load_settings([home, project]).auth_files == (home, project)
