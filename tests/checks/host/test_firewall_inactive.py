"""host.firewall-inactive on the on-site lab hosts: no firewall at boot on the weak host,
nftables with an input chain that drops on the hardened host.

The check decides on the hosts' own boot-time configuration (their /etc copies), so its outcome
is the lab's; the live ruleset it reports is this machine's (the hosts share its network
namespace) and is not asserted.
"""

from __future__ import annotations

import pytest

from tests.checks.host.lab_onsite import Audit, detail

pytestmark = pytest.mark.lab

ID = "host.firewall-inactive"


def test_weak_host_has_no_firewall_at_boot(onsite_audit: Audit) -> None:
    found = onsite_audit.found(ID, "weak")
    assert {(loc, f.severity) for loc, f in found.items()} == {("firewall", "medium")}
    assert found["firewall"].evidence.startswith(
        "no firewall is enabled at boot: /etc/nftables.conf absent; ufw not enabled "
        "(/etc/ufw/ufw.conf absent); firewalld.service not enabled; live ruleset: nft: "
    )
    facts = detail(found["firewall"])
    assert facts["nftables_input_chains"] == [] and facts["ufw_enabled"] is False
    assert onsite_audit.attempt(ID, "weak").status == "fail"


def test_hardened_host_filters_input_at_boot(onsite_audit: Audit) -> None:
    assert onsite_audit.passed(ID), onsite_audit.attempt(ID, "hardened")
