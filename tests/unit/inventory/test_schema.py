"""Inventory loading and preflight: every bad input is one clear error naming file, line, fix."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.app.compile import preflight
from scanner.cli.main import main
from scanner.core.errors import UserError
from scanner.engine.compiled import load_registry
from scanner.inventory.schema import load_inventory
from tests.conftest import REPO
from tests.helpers import write

EXAMPLE = REPO / "targets.example.yaml"

MINIMAL = """\
campaign:
  name: test
  authority: test office
  authorization:
    reference: T-1
    issued_by: test
    valid_from: 2026-01-01
    valid_until: 2030-12-31
scope:
  allow: [127.0.10.0/24]
entities:
  - id: ent
    name: Entity
    sector: energy
    assets:
      - id: web
        host: 127.0.10.1
profiles:
  remote:
    modes: [remote]
"""


def _problem(tmp_path: Path, text: str, profile: str | None = None) -> str:
    path = write(tmp_path / "inv.yaml", text)
    with pytest.raises(UserError) as info:
        inv = load_inventory(path)
        preflight(inv, load_registry(inv), profile=profile, now=datetime(2026, 11, 29, tzinfo=UTC))
    return str(info.value)


def test_example_inventory_is_valid(lab_state: object) -> None:
    # The lab writes the audit key and known_hosts the example's credential names.
    inv = load_inventory(EXAMPLE)
    assert inv.model.campaign.authorization.reference == "DEMO-AUTH-2026-017"
    preflight(inv, load_registry(inv), profile=None)


def test_minimal_inventory_is_valid(tmp_path: Path) -> None:
    inv = load_inventory(write(tmp_path / "inv.yaml", MINIMAL))
    assert inv.model.rate_limits.per_host == 4  # defaults apply


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    message = _problem(tmp_path, MINIMAL.replace("  name: test\n", "  name: [test\n"))
    assert "inv.yaml:3" in message and "not valid YAML" in message


def test_unknown_key_names_line_and_allowed_keys(tmp_path: Path) -> None:
    message = _problem(
        tmp_path,
        MINIMAL.replace(
            "        host: 127.0.10.1", "        host: 127.0.10.1\n        exposre: ot"
        ),
    )
    assert "inv.yaml:18: entities[0].assets[0].exposre: unknown key 'exposre'" in message
    assert "Allowed keys here:" in message and "exposure" in message


def test_wrong_enum_value_names_choices(tmp_path: Path) -> None:
    message = _problem(
        tmp_path, MINIMAL.replace("host: 127.0.10.1", "host: 127.0.10.1\n        exposure: public")
    )
    assert "inv.yaml:18: entities[0].assets[0].exposure:" in message
    assert "'internet', 'internal' or 'ot'" in message


def test_wrong_type_and_missing_field(tmp_path: Path) -> None:
    text = MINIMAL.replace("    sector: energy\n", "    mlps_level: high\n")
    message = _problem(tmp_path, text)
    assert "2 problems" in message
    assert "entities[0].mlps_level" in message and "entities[0].sector: required" in message


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    message = _problem(tmp_path, MINIMAL.replace("  name: test\n", "  name: test\n  name: again\n"))
    assert "inv.yaml:3: campaign.name is written twice (first on line 2)" in message


def test_inline_password_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + "credentials:\n  c:\n    username: u\n    password: hunter2\n"
    message = _problem(tmp_path, text)
    assert "credentials.c.password" in message and "password_env" in message
    assert "hunter2" not in message  # a secret written by mistake is not echoed back


def test_unknown_credentials_reference(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "        host: 127.0.10.1", "        onsite: 127.0.10.1\n        credentials: nope"
    )
    message = _problem(tmp_path, text)
    assert "refers to credentials 'nope', which is not declared" in message


def test_asset_outside_scope(tmp_path: Path) -> None:
    message = _problem(tmp_path, MINIMAL.replace("host: 127.0.10.1", "host: 127.0.99.1"))
    assert (
        "inv.yaml:17: entities[0].assets[0].host: 127.0.99.1 is outside the declared scope"
        in message
    )


def test_denied_asset_is_outside_scope(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "  allow: [127.0.10.0/24]", "  allow: [127.0.10.0/24]\n  deny: [127.0.10.1]"
    )
    assert "is in denied range 127.0.10.1/32" in _problem(tmp_path, text)


def test_unresolvable_name(tmp_path: Path) -> None:
    text = MINIMAL.replace("host: 127.0.10.1", "host: no-such-host.invalid")
    assert "no-such-host.invalid does not resolve" in _problem(tmp_path, text)


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2020-01-01", "2021-01-01", "expired"),
        ("2029-01-01", "2030-01-01", "is not valid before"),
    ],
)
def test_authorization_window(tmp_path: Path, start: str, end: str, words: str) -> None:
    text = MINIMAL.replace("2026-01-01", start).replace("2030-12-31", end)
    message = _problem(tmp_path, text)
    assert words in message and "T-1" in message


def test_unknown_check_id_in_profile(tmp_path: Path) -> None:
    text = MINIMAL.replace("    modes: [remote]", "    modes: [remote]\n    checks: [net.nope]")
    message = _problem(tmp_path, text, profile="remote")
    assert "inv.yaml:21: profiles.remote.checks[0]: there is no check 'net.nope'" in message


def test_unknown_profile(tmp_path: Path) -> None:
    assert "there is no profile 'fast'" in _problem(tmp_path, MINIMAL, profile="fast")


def test_missing_key_file(tmp_path: Path) -> None:
    text = MINIMAL + "credentials:\n  c:\n    username: u\n    key_file: keys/none\n"
    assert "credentials.c.key_file" in _problem(tmp_path, text)


def test_cli_exit_code_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path / "inv.yaml", MINIMAL.replace("sector: energy", "sector: mining"))
    proc = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "entities[0].sector" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_missing_file_and_unwritable_db(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2 and "no such inventory file" in result.output
    result = runner.invoke(main, ["run", str(EXAMPLE), "--db", "sqlite:////proc/none/x.db"])
    assert result.exit_code == 2 and "cannot write the store" in result.output
    result = runner.invoke(main, ["runs", "--db", f"sqlite:///{tmp_path}/none.db"])
    assert result.exit_code == 2 and "there is no store" in result.output
    assert not (tmp_path / "none.db").exists()


def test_schema_is_json_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    schema = json.loads(result.output)
    assert set(schema["required"]) == {"campaign", "scope", "entities", "profiles"}


def test_settings_for_an_unknown_check_are_an_error(tmp_path: Path) -> None:
    text = MINIMAL + "checks:\n  settings:\n    web.hsts-mising:\n      min_max_age: 1\n"
    message = _problem(tmp_path, text)
    assert "checks.settings.web.hsts-mising: there is no check 'web.hsts-mising'" in message
    assert message.count("there is no check") == 1  # said once, not once per profile
