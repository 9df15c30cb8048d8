"""TLS certificate does not name the host it is reached by.

Clients check that the certificate names the host they asked for; a mismatch means they refuse
the site or, worse, have been configured to skip the check. The name is the one the target is
reached by: the URL's host (for a discovered service, the asset's host name, else its address).
The check reads the server certificate (the leaf) from the run's one sslyze scan of the endpoint
(see ``checks/tls/_scan.py``, which sends that name as SNI) and matches it as RFC 6125 says: a
DNS name against the subjectAltName DNS entries, a ``*.`` wildcard covering exactly one leftmost
label; an IP address against the subjectAltName IP entries; the subject CN only when the
certificate has no subjectAltName at all. It runs on ``https://`` URLs and on discovered non-HTTP
TLS services; a plain ``http://`` URL is not applicable.

Sample evidence::

    portal.example:443 presents certificate CN=www.other.example,O=Example for
    www.other.example, not for portal.example
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_address

from checks.tls._facts import APPLIES, CertFacts, is_ip, tls_facts
from scanner.api import Check, CheckContext, Finding, ServiceTarget, Severity, UrlTarget

SHOWN = 10


def _a_label(name: str) -> str:
    name = name.lower().rstrip(".")
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def dns_match(name: str, pattern: str) -> bool:
    """Whether DNS ``name`` matches certificate name ``pattern`` (``*.`` = one leftmost label)."""
    name, pattern = _a_label(name), _a_label(pattern)
    if pattern.startswith("*."):
        base = pattern[2:]
        head, _, rest = name.partition(".")
        return bool(head) and "." in base and rest == base
    return name == pattern


def ip_match(name: str, candidate: str) -> bool:
    """Whether IP ``name`` equals ``candidate`` (a SAN address or CN text) as an address."""
    try:
        return ip_address(name) == ip_address(candidate.strip())
    except ValueError:
        return False


def names_host(cert: CertFacts, name: str) -> bool:
    """Whether ``cert`` is valid for ``name`` (a DNS name or an IP address)."""
    if is_ip(name):
        return any(
            ip_match(name, c) for c in (cert.ip_names if cert.has_san else cert.common_names)
        )
    return any(dns_match(name, p) for p in (cert.dns_names if cert.has_san else cert.common_names))


class CertHostnameMismatch(Check):
    id = "tls.cert-hostname-mismatch"
    title = "TLS certificate does not match the host name"
    family = "tls"
    severity = Severity.MEDIUM
    applies_to = APPLIES
    references = ("CWE-297", "CWE-295", "MLPS-8.1.2.2")
    remediation = (
        "Serve a certificate whose subjectAltName lists every name (and IP address, if clients "
        "use one) the service is reached by, and configure each virtual host with its own."
    )

    def run(self, target: UrlTarget | ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        facts = tls_facts(target, ctx)
        leaf = facts.leaf
        name = facts.endpoint.name
        if names_host(leaf, name):
            return
        names = list(leaf.names)
        shown = ", ".join(names[:SHOWN]) or "no names"
        if len(names) > SHOWN:
            shown += f" and {len(names) - SHOWN} more"
        yield self.finding(
            target,
            f"{facts.endpoint.label} presents certificate {leaf.subject} for {shown}, "
            f"not for {name}",
            detail={"host": name, "names": names, "sha256": leaf.sha256},
        )
