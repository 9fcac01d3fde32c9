"""The README is where the schema and the two commands are written down: keep it true."""

from tasks.config import REPO_ROOT
from tasks.schema import markdown_table

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_schema_matches_code():
    assert markdown_table() in README, "run `pulse schema` and paste its table into README.md"


def test_readme_starts_with_the_two_commands():
    first_commands = [line.split("#")[0].strip() for line in README.splitlines() if line.startswith("make ")][:2]
    assert first_commands == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO_ROOT / ".ci" / "run").read_text()
