"""Discovery's bounds: nmap XML above the size cap is refused, not parsed (issue 13, item 10)."""

from __future__ import annotations

import pytest

from scanner.core.errors import UserError
from scanner.discovery import nmap
from scanner.discovery.nmap import parse_nmap_xml

PORT = '<port protocol="tcp" portid="{p}"><state state="open" reason="syn-ack"/></port>'


def _xml(ports: int) -> str:
    body = "".join(PORT.format(p=p) for p in range(1, ports + 1))
    return (
        '<nmaprun><host><status state="up" reason="user-set"/>'
        f'<address addr="127.0.0.9" addrtype="ipv4"/><ports>{body}</ports></host></nmaprun>'
    )


def test_huge_xml_is_refused_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    xml = _xml(65535)  # a tarpit: every port open, about 5 MB
    monkeypatch.setattr(nmap, "MAX_XML_BYTES", 1024 * 1024)
    with pytest.raises(UserError, match="bytes of XML"):
        parse_nmap_xml(xml)


def test_xml_within_the_cap_is_parsed() -> None:
    [scan] = parse_nmap_xml(_xml(300))
    assert scan.answered and len(scan.services) == 300
