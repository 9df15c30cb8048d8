"""NVD AND configurations: a platform condition imported with its CPE range (migration 0016),
checked against the host's known platform in remote matching, through the real import, the
store, the matcher and ``net.vulnerable-version``.

The feed, tests/data/feeds/nvdcve-2.0-platforms.json, is NVD CVE JSON 2.0: CVE-2019-0232
modelled on NVD's entry (Apache Tomcat's CGI servlet, vulnerable only on Windows:
``operator: AND`` with ``cpe:2.3:o:microsoft:windows:-`` not vulnerable itself), a fictional
unconditional Tomcat CVE, and a fictional nginx CVE with two AND configurations (a Debian 12
release; an appliance's firmware AND hardware)."""

from __future__ import annotations

import json

import jsonschema  # type: ignore[import-untyped]  # ships no types
import pytest

from checks.network.vulnerable_version import VulnerableVersion
from scanner.core.models import AssetKind, AttemptStatus, Service, ServiceTarget
from scanner.discovery.nmap import parse_nmap_xml
from scanner.engine.context import RunServices
from scanner.store import Store
from scanner.store.feeds import UNLISTED, PlatformMatch
from scanner.transport.ratelimit import TokenBucket
from scanner.vulns.match import Matcher
from scanner.vulns.parse import MAX_PLATFORM_MATCHES, Tally, nvd_item
from scanner.vulns.platform import describe, ecosystem_cpe, parse_cpe, satisfied
from tests.helpers import LOOPBACK_ONLY, run_check
from tests.unit.vulns.feeds import FEEDS, feed_store

PLATFORMS = FEEDS / "nvdcve-2.0-platforms.json"
WINDOWS = "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"
LINUX = "cpe:/o:linux:linux_kernel"  # what nmap's version detection says beside a service
TOMCAT = "cpe:/a:apache:tomcat:9.0.17"

#: The parts of NVD's CVE API 2.0 schema (cve_api_json_2.0.schema) the configurations use.
SCHEMA = {
    "type": "object",
    "required": ["resultsPerPage", "startIndex", "totalResults", "format", "version",
                 "timestamp", "vulnerabilities"],
    "properties": {
        "format": {"const": "NVD_CVE"},
        "version": {"const": "2.0"},
        "vulnerabilities": {"type": "array", "items": {"$ref": "#/definitions/def_cve_item"}},
    },
    "definitions": {
        "def_cve_item": {
            "properties": {"cve": {"$ref": "#/definitions/cve_item"}},
            "required": ["cve"],
            "additionalProperties": False,
        },
        "cve_item": {
            "type": "object",
            "required": ["id", "published", "lastModified", "references", "descriptions"],
            "properties": {
                "id": {"type": "string", "pattern": "^CVE-[0-9]{4}-[0-9]{4,}$"},
                "descriptions": {"type": "array", "minItems": 1},
                "configurations": {"type": "array", "items": {"$ref": "#/definitions/config"}},
            },
        },
        "config": {
            "required": ["nodes"],
            "properties": {
                "operator": {"type": "string", "enum": ["AND", "OR"]},
                "negate": {"type": "boolean"},
                "nodes": {"type": "array", "items": {"$ref": "#/definitions/node"}},
            },
        },
        "node": {
            "required": ["operator", "cpeMatch"],
            "properties": {
                "operator": {"type": "string", "enum": ["AND", "OR"]},
                "negate": {"type": "boolean"},
                "cpeMatch": {"type": "array", "items": {"$ref": "#/definitions/cpe_match"}},
            },
        },
        "cpe_match": {
            "type": "object",
            "required": ["vulnerable", "criteria", "matchCriteriaId"],
            "properties": {
                "vulnerable": {"type": "boolean"},
                "criteria": {"type": "string"},
                "matchCriteriaId": {"type": "string", "format": "uuid"},
                **{
                    k: {"type": "string"}
                    for k in ("versionStartExcluding", "versionStartIncluding",
                              "versionEndExcluding", "versionEndIncluding")
                },
            },
        },
    },
}  # fmt: skip


def test_the_feed_is_valid_nvd_cve_json_2_0() -> None:
    jsonschema.validate(json.loads(PLATFORMS.read_text()), SCHEMA)


def test_import_keeps_the_platform_condition(db_url: str) -> None:
    store = feed_store(db_url, PLATFORMS)
    tomcat = store.feeds.cpe_ranges("apache", "tomcat")
    windows = ((PlatformMatch(WINDOWS),),)
    assert {(r.cve, r.start_including, r.end_including, r.requires) for r in tomcat} == {
        ("CVE-2019-0232", "7.0.0", "7.0.93", windows),
        ("CVE-2019-0232", "8.5.0", "8.5.39", windows),
        ("CVE-2019-0232", "9.0.1", "9.0.17", windows),
        ("CVE-2099-0101", "9.0.0", "", ()),  # an OR configuration: no condition
    }
    nginx = {r.version: r.requires for r in store.feeds.cpe_ranges("f5", "nginx")}
    assert nginx == {
        "*": ((PlatformMatch("cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*"),),),
        "1.22.1": (  # a node of matches all required: one group each
            (PlatformMatch("cpe:2.3:o:example:appliance_firmware:*:*:*:*:*:*:*:*",
                           end_excluding="3.1"),),
            (PlatformMatch("cpe:2.3:h:example:appliance_x100:-:*:*:*:*:*:*:*"),),
        ),
    }  # fmt: skip
    # the platforms themselves (vulnerable: false) are no ranges of their own
    assert store.feeds.cpe_ranges("microsoft", "windows") == []


@pytest.mark.parametrize(
    ("platform", "cves", "unverified"),
    [
        ((LINUX,), ["CVE-2099-0101"], ()),  # known, not Windows: the Windows-only CVE is out
        (("cpe:/o:microsoft:windows",), ["CVE-2019-0232", "CVE-2099-0101"], ()),
        ((), ["CVE-2019-0232", "CVE-2099-0101"], (("CVE-2019-0232", "microsoft windows"),)),
    ],
)
def test_remote_match_against_the_hosts_platform(
    db_url: str, platform: tuple[str, ...], cves: list[str], unverified: tuple[object, ...]
) -> None:
    matcher = Matcher(feed_store(db_url, PLATFORMS).feeds)
    found = matcher.upstream("apache", "tomcat", "9.0.17", platform)
    assert found is not None
    assert list(found.cves) == cves
    assert found.unverified == unverified
    assert matcher.upstream("apache", "tomcat", "9.0.20", ()) is None  # above every range


def test_two_conditions_of_one_cve_and_hardware_never_seen(db_url: str) -> None:
    matcher = Matcher(feed_store(db_url, PLATFORMS).feeds)
    debian = matcher.upstream("f5", "nginx", "1.22.1", (ecosystem_cpe("Debian:12"),))
    assert debian is not None
    assert (debian.cves, debian.unverified) == (("CVE-2099-0102",), ())
    assert matcher.upstream("f5", "nginx", "1.22.1", (ecosystem_cpe("Ubuntu:22.04"),)) is None
    unknown = matcher.upstream("f5", "nginx", "1.22.1", ())
    assert unknown is not None
    assert unknown.unverified == (
        (
            "CVE-2099-0102",
            "debian debian_linux 12.0 or example appliance_firmware < 3.1 and example "
            "appliance_x100",
        ),
    )
    # nmap's bare "Linux" tells neither Debian 12 nor the appliance's firmware apart: unknown
    linux = matcher.upstream("f5", "nginx", "1.22.1", (LINUX,))
    assert linux is not None and linux.unverified[0][0] == "CVE-2099-0102"


@pytest.mark.parametrize(
    ("criteria", "platform", "expected"),
    [
        (WINDOWS, ["cpe:/o:microsoft:windows"], True),
        (WINDOWS, ["cpe:2.3:o:microsoft:windows_10:1809:*:*:*:*:*:*:*"], True),  # a Windows
        ("cpe:2.3:o:microsoft:windows_10:*:*:*:*:*:*:*:*", ["cpe:/o:microsoft:windows"], None),
        ("cpe:2.3:o:microsoft:windows_10:*:*:*:*:*:*:*:*",
         ["cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*"], False),
        (WINDOWS, [LINUX], False),
        (WINDOWS, [], None),
        ("cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*", ["cpe:2.3:o:debian:debian_linux:12"],
         True),  # NVD's 12.0 is a banner's 12
        ("cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*", ["cpe:2.3:o:debian:debian_linux:11"],
         False),
        ("cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*", ["cpe:2.3:o:debian:debian_linux:*"],
         None),  # Debian, release unknown
        ("cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*", [LINUX], None),
        ("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", ["cpe:2.3:o:debian:debian_linux:12"],
         True),  # Debian runs a Linux kernel
        ("cpe:2.3:h:example:appliance_x100:-:*:*:*:*:*:*:*", [LINUX], None),  # hardware: unseen
        (UNLISTED, [LINUX], None),
    ],
)  # fmt: skip
def test_one_alternative(criteria: str, platform: list[str], expected: bool | None) -> None:
    assert satisfied(((PlatformMatch(criteria),),), platform) is expected


def test_version_ranges_and_groups() -> None:
    kernel = PlatformMatch("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", "5.10", "", "", "6.1")
    assert satisfied(((kernel,),), ["cpe:/o:linux:linux_kernel:5.15"]) is True
    assert satisfied(((kernel,),), ["cpe:/o:linux:linux_kernel:6.1"]) is False
    assert satisfied(((kernel,),), [LINUX]) is None  # no version known
    both = ((PlatformMatch(WINDOWS),), (kernel,))
    assert satisfied(both, ["cpe:/o:microsoft:windows"]) is False  # one group refuted: all is
    assert satisfied((), [LINUX]) is True
    assert describe(both) == "microsoft windows and linux linux_kernel >= 5.10 < 6.1"
    assert parse_cpe("cpe:/a:openbsd:openssh:9.2:p1") == parse_cpe(
        "cpe:2.3:a:openbsd:openssh:9.2:p1:*:*:*:*:*:*"
    )
    assert parse_cpe("not a cpe") is None


def test_long_platform_lists_are_cut_to_an_unlisted_rest() -> None:
    models = [
        {
            "vulnerable": False,
            "criteria": f"cpe:2.3:h:example:model_{n}:-:*:*:*:*:*:*:*",
            "matchCriteriaId": f"1B2C3D4E-0000-4000-9000-{n:012d}",
        }
        for n in range(MAX_PLATFORM_MATCHES + 5)
    ]
    firmware = {
        "vulnerable": True,
        "criteria": "cpe:2.3:o:example:firmware:1.0:*:*:*:*:*:*:*",
        "matchCriteriaId": "1B2C3D4E-0000-4000-9000-100000000000",
    }
    item = {
        "cve": {
            "id": "CVE-2099-0199",
            "configurations": [
                {
                    "operator": "AND",
                    "nodes": [
                        {"operator": "OR", "negate": False, "cpeMatch": [firmware]},
                        {"operator": "OR", "negate": True, "cpeMatch": [firmware]},  # left out
                        {"operator": "OR", "negate": False, "cpeMatch": models},
                    ],
                }
            ],
        }
    }
    [_, row] = nvd_item(item, "test", Tally())
    [group] = row.requires  # type: ignore[union-attr]
    assert len(group) == MAX_PLATFORM_MATCHES + 1
    assert group[-1] == PlatformMatch(UNLISTED)


def http_target(os_cpe: str) -> ServiceTarget:
    service = Service("127.77.1.10", 8080, "tcp", "http", "Apache Tomcat 9.0.17", TOMCAT, os_cpe)
    return ServiceTarget(
        entity_id="e", asset_id="a", kind=AssetKind.HOST, address="127.77.1.10", service=service
    )


def check_services(store: Store) -> RunServices:
    return RunServices(
        guard=LOOPBACK_ONLY, bucket=TokenBucket(1000), vulnerabilities=Matcher(store.feeds)
    )


def test_the_check_says_the_platform_condition_is_unverified(db_url: str) -> None:
    store = feed_store(db_url, PLATFORMS)
    attempt = run_check(VulnerableVersion, http_target(""), services=check_services(store))
    [finding] = attempt.findings
    assert finding.severity == "low"
    assert finding.evidence == (
        f"nmap: Apache Tomcat 9.0.17 ({TOMCAT}): unconfirmed (version-inferred from the "
        "upstream version only; a distribution may have backported fixes): apache tomcat "
        "9.0.17 is in NVD's ranges of CVE-2019-0232, CVE-2099-0101 (CVSS up to 8.1); platform "
        "condition unverified (the host's platform is not known): CVE-2019-0232 only with "
        "microsoft windows"
    )
    assert finding.detail["confirmed"] is False
    assert finding.detail["platform_unverified"] == {"CVE-2019-0232": "microsoft windows"}


def test_the_check_drops_a_cve_of_another_platform(db_url: str) -> None:
    store = feed_store(db_url, PLATFORMS)
    attempt = run_check(VulnerableVersion, http_target(LINUX), services=check_services(store))
    [finding] = attempt.findings
    assert "NVD's ranges of CVE-2099-0101 (CVSS up to 5.3)" in finding.evidence
    assert "CVE-2019-0232" not in finding.evidence
    assert finding.detail["platform"] == [LINUX]
    windows = run_check(
        VulnerableVersion, http_target("cpe:/o:microsoft:windows"), services=check_services(store)
    )
    [finding] = windows.findings
    assert "CVE-2019-0232, CVE-2099-0101" in finding.evidence
    assert "unverified" not in finding.evidence
    assert finding.severity == "low"  # met or not, the upstream version is only a lead


def test_only_a_conditional_cve_on_another_platform_is_a_pass(db_url: str) -> None:
    store = feed_store(db_url, PLATFORMS)
    nginx = Service("127.77.1.10", 80, "tcp", "http", "nginx 1.22.1",
                    "cpe:/a:igor_sysoev:nginx:1.22.1", "cpe:/o:microsoft:windows")  # fmt: skip
    target = ServiceTarget(
        entity_id="e", asset_id="a", kind=AssetKind.HOST, address=nginx.address, service=nginx
    )
    attempt = run_check(VulnerableVersion, target, services=check_services(store))
    assert attempt.status == AttemptStatus.PASS, attempt.reason
    assert attempt.findings == ()


NMAP_XML = """<nmaprun><host><status state="up" reason="syn-ack"/>
<address addr="127.77.1.10" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="8080"><state state="open" reason="syn-ack"/>
<service name="http" product="Apache Tomcat" version="9.0.17" ostype="Windows" method="probed">
<cpe>cpe:/a:apache:tomcat:9.0.17</cpe><cpe>cpe:/o:microsoft:windows</cpe></service></port>
</ports></host></nmaprun>"""


def test_nmap_os_cpe_is_kept_through_the_store(db_url: str) -> None:
    [scan] = parse_nmap_xml(NMAP_XML)
    [service] = scan.services
    assert (service.cpe, service.os_cpe) == (TOMCAT, "cpe:/o:microsoft:windows")
    store = Store.open(db_url)
    run_id = store.runs.create("test", "remote", "i.yaml", "0" * 64, "t")
    store.attempts.record_discovery(run_id, {scan.address: True}, scan.services)
    assert store.attempts.discovery(run_id)[scan.address].services == (service,)
