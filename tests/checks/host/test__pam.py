"""checks/host/_pam.py: the password stack's quality module and its effective policy, on the lab
hosts' recorded PAM files, hand-written ones and garbage."""

from __future__ import annotations

import pytest

from checks.host._files import Files, parse_files
from checks.host._pam import pam_module, policy
from scanner.api import Inconclusive
from tests.checks.host.lab_onsite import HOSTILE, recorded, survives
from tests.lab import lab

DEBIAN_PAM = (
    "# comment pam_pwquality.so\npassword\trequisite\t\t\tpam_pwquality.so retry=3 "
    "minlen=10\npassword\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
)


def test_recorded_pam_files() -> None:
    weak, _ = parse_files(recorded("weak", "pam-files"), "pam")
    assert "/etc/pam.d/common-password" in weak.texts and policy(weak) is None
    hardened, _ = parse_files(recorded("hardened", "pam-files"), "pam")
    found = policy(hardened)
    assert found is not None and found.module == "pam_pwquality"
    assert (found.shortest(), found.classes()) == (12, 4)


def test_pam_line_parsing() -> None:
    assert pam_module(DEBIAN_PAM) == ("pam_pwquality", {"retry": "3", "minlen": "10"})
    assert pam_module("#password requisite pam_pwquality.so\n") is None
    assert pam_module("-password [default=die foo=bar] /lib/security/pam_cracklib.so\n") == (
        "pam_cracklib",
        {},
    )
    assert pam_module("password\n\x00\xff garbage ]]]\npassword [unclosed\n") is None


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_pam_file_loads_no_module(text: str) -> None:
    assert survives(pam_module, text) is None
    assert survives(pam_module, text + "\npassword requisite pam_pwquality.so\n") == (
        "pam_pwquality",
        {},
    )


def test_policy_order_defaults_conf_d_main_then_pam_arguments() -> None:
    files = Files(
        {
            "/etc/security/pwquality.conf.d/10-a.conf": "minlen = 6\nminclass = 4\n",
            "/etc/security/pwquality.conf": "minlen = 7\n# minclass = 1\ndcredit = 1\n",
            "/etc/pam.d/common-password": DEBIAN_PAM,
        },
        (),
    )
    found = policy(files)
    assert found is not None
    assert found.values == {
        "minlen": 10,
        "minclass": 4,
        "dcredit": 1,
        "ucredit": 0,
        "lcredit": 0,
        "ocredit": 0,
    }
    assert found.shortest() == 9  # minlen 10 minus the digit credit
    assert found.classes() == 4
    assert found.sources("minclass") == "/etc/security/pwquality.conf.d/10-a.conf"


def test_policy_cracklib_defaults_and_bad_number() -> None:
    files = Files({"/etc/pam.d/system-auth": "password required pam_cracklib.so\n"}, ())
    found = policy(files)
    assert found is not None
    assert (found.shortest(), found.classes()) == (6, 0)  # 9 - 4 credits, floored at 6
    for bad in ("twelve", "9" * 7, "\x1b[2J"):
        files = Files(
            {
                "/etc/security/pwquality.conf": f"minlen = {bad}\n",
                "/etc/pam.d/common-password": DEBIAN_PAM,
            },
            (),
        )
        with pytest.raises(Inconclusive, match="is not a number"):
            policy(files)


def test_hardened_lab_settings_pass() -> None:
    files = Files(
        {
            "/etc/security/pwquality.conf": lab.HARDENED_PWQUALITY,
            "/etc/pam.d/common-password": lab.HARDENED_PAM_PWQUALITY + "\n",
        },
        (),
    )
    found = policy(files)
    assert found is not None
    assert (found.shortest(), found.classes()) == (12, 4)
