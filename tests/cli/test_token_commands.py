"""`token create|list`: bounds to sources and reviewer identities, stated in the listing."""

from review.tokens import authenticate_token
from tests.cli.commandline import refused_in_one_line


def test_create_with_sources_and_identities_and_list_says_what_each_token_reaches(initialised, cli_engine):
    made = initialised("token", "create", "crm", "--scope", "ingest", "--source", "crm-ai",
                       "--source", "mail, ai", "--reviewer-identities")
    assert made.code == 0, made.err
    assert initialised("token", "create", "reader", "--scope", "decisions:read").code == 0
    assert initialised("token", "create", "bot", "--scope", "review", "--user", "a@example.com").code == 0
    found = authenticate_token(cli_engine, made.out.strip())
    assert found is not None and found[0].bounds is not None
    assert found[0].bounds.sources == {"crm-ai", "mail, ai"} and found[0].bounds.reviewer_identities
    listing = initialised("token", "list").out.splitlines()
    lines = {line.split("\t")[0]: line.split("\t")[4:] for line in listing}
    assert lines == {"crm": ['sources: "crm-ai", "mail, ai"', "reviewers by e-mail"],
                     "reader": ["sources: all", "reviewers by pseudonym"],
                     "bot": ["sources: all, as its user"]}


def test_a_review_token_with_sources_is_refused_in_one_line(initialised):
    run = initialised("token", "create", "bot", "--scope", "review", "--user", "a@example.com",
                      "--source", "crm-ai")
    assert refused_in_one_line(run) and "acts as its user" in run.err
    assert initialised("token", "list").out == ""
