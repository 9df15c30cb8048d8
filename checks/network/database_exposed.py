"""Database server reachable from the internet.

A database listening on an internet-facing address is one password guess, one leaked credential
or one pre-authentication vulnerability away from a data breach; databases belong behind the
application servers that use them. The check runs only on assets whose exposure is ``internet``
(elsewhere it is not applicable) and confirms each service discovery names as a database with
one read-only exchange in the database's own protocol, before any credential:

- PostgreSQL (``postgresql``): an SSLRequest, answered ``S`` (TLS offered) or ``N`` (no TLS),
  then a StartupMessage for the role ``scanner`` whose answer says which authentication the
  server asks for (or the error it refuses with); no password is ever sent, and a server that
  lets the role in without one is told Terminate at once.
- MySQL / MariaDB (``mysql``): the server's greeting packet (protocol 10 and version string), or
  the error packet it greets a refused host with.
- MongoDB (``mongodb``, ``mongod``): the ``isMaster`` handshake command (allowed before
  authentication), whose answer gives the wire version, replica set and role.
- Elasticsearch (``elasticsearch``, ``wap-wsp``: nmap's name for port 9200): ``GET /`` over
  plain HTTP on the check's own bounded connection (then, if the port drops plain text, over
  HTTPS through the shared HTTP client), answered with the cluster's JSON banner
  (``cluster_name``) or an authentication challenge from Elasticsearch's security realm.
  A port 9200 that discovery's probes identify as plain ``http`` is not seen by this check.
- Microsoft SQL Server (``ms-sql-s``): a TDS PRELOGIN packet, answered with the server version
  and its encryption setting.
- Oracle (``oracle``, ``oracle-tns``): a TNS CONNECT asking the listener for its version,
  answered with an ACCEPT, REFUSE, REDIRECT or RESEND packet.

Redis has a check of its own (``net.redis-no-auth``). A port that answers in another protocol is
not applicable; one that stays silent or closes is inconclusive; the confirmation never depends
on the first byte alone (a lone ``S`` must be followed by a PostgreSQL answer to the
StartupMessage, since an SSH banner starts with one too). One finding per confirmed
service, at ``port/protocol``.

Sample evidence::

    PostgreSQL answered on an internet-exposed asset: SSLRequest answered 'N' (TLS not offered);
    StartupMessage for role 'scanner' answered: password requested (SASL: SCRAM-SHA-256)
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.network._databases import PROBES
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Exposure,
    Finding,
    NotApplicable,
    ServiceTarget,
    Severity,
)


class DatabaseExposed(Check):
    id = "net.database-exposed"
    title = "Database server reachable from the internet"
    family = "network"
    severity = Severity.MEDIUM
    applies_to = AppliesTo(services=tuple(PROBES))
    references = ("CWE-668", "MLPS-8.1.3.2", "CSL-21", "DSL-27")
    remediation = (
        "Take the database off internet-facing addresses: bind it to internal interfaces only "
        "(listen_addresses, bind-address, net.bindIp, network.host), allow its port only from "
        "the application servers that need it, and reach it for administration through a VPN "
        "or bastion host."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        if target.exposure != Exposure.INTERNET:
            raise NotApplicable("not internet-exposed")
        product, probe = PROBES[target.service.name]
        evidence, detail = probe(target, ctx)
        yield self.finding(target, evidence, detail={"database": product, **detail})
