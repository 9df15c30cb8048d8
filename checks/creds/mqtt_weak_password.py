"""MQTT broker accepts a default or weak password (intrusive, credential test).

A broker whose clients log in with a default or common password is as open as one that asks for
none: whoever guesses it reads every message and publishes commands to the devices. On each
service discovery names ``mqtt`` the check sends an MQTT 3.1.1 ``CONNECT`` with a user name and
password from the built-in short list and the campaign's lists (see docs/credentials.md), one
login per connection (MQTT allows one ``CONNECT``), keeping to the run's credential-test policy,
and stops at the first ``CONNACK`` with return code 0, after which it sends ``DISCONNECT``. It
never subscribes or publishes. A broker that accepts anonymous clients is
``net.mqtt-anonymous``'s finding; here it is not applicable (any password would do).

Sample evidence::

    mqtt login accepted for account 'admin': its password is on the weak and default password
    list (c******* (8 characters)); 3 logins tried by this check
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.creds._policy import Guess, OneLogin, candidates, found, guess_logins
from checks.protocols.mqtt import ACCEPTED, DISCONNECT, connack, connect_packet
from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Connection,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
)


def _login(conn: Connection, account: str, password: str) -> bool:
    """One CONNECT on ``conn``: whether the broker accepted ``account`` and ``password``."""
    conn.send(connect_packet(account, password))
    code = connack(conn)
    if code == ACCEPTED:
        conn.send(DISCONNECT)
        return True
    if code in (4, 5):  # bad user name or password; not authorized
        return False
    raise Inconclusive(f"CONNACK return code {code}: the broker refused for another reason")


def _session(ctx: CheckContext, target: ServiceTarget) -> OneLogin:
    return OneLogin(ctx, target, _login, read_limit=4096)


class MqttWeakPassword(Check):
    id = "cred.mqtt-weak-password"
    title = "MQTT broker accepts a default or weak password"
    family = "creds"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("mqtt",))
    intrusive = True
    credentials = True
    references = ("CWE-1392", "CWE-521", "MLPS-8.1.4.2", "CSL-21")
    remediation = (
        "Give every client its own long random password (mosquitto_passwd), add ACLs per "
        "client, enable TLS on port 8883, and firewall port 1883 from untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        anonymous = _session(ctx, target)
        try:
            if anonymous.try_login(Guess("", "")):
                raise NotApplicable(
                    "the broker accepts clients without credentials (see "
                    "net.mqtt-anonymous): any password would do"
                )
        finally:
            anonymous.close()
        outcome = guess_logins(
            ctx,
            target,
            "mqtt",
            candidates(ctx, "mqtt"),
            lambda: _session(ctx, target),
            per_connection=1,
        )
        yield from found(self, target, "mqtt", outcome)
