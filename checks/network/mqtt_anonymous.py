"""MQTT broker accepts anonymous clients.

A broker that accepts clients without credentials lets anyone who reaches it read every message
(sensor values, commands, often credentials of other systems) and publish forged ones to the
devices that trust it. The check sends an MQTT 3.1.1 ``CONNECT`` with a clean session, client id
``scanner-probe`` and no user name or password to each service discovery names ``mqtt``, and
reports when the ``CONNACK`` return code is 0 (accepted); it then sends ``DISCONNECT``. It never
subscribes or publishes. Return codes 4 (bad user name or password) and 5 (not authorized) are a
pass; any other code is inconclusive, and a service that does not answer with a ``CONNACK`` is
not applicable.

Sample evidence::

    CONNECT without user name or password accepted: CONNACK return code 0 (session present 0)
"""

from __future__ import annotations

from collections.abc import Iterator

from scanner.api import (
    AppliesTo,
    Check,
    CheckContext,
    Finding,
    Inconclusive,
    NotApplicable,
    ServiceTarget,
    Severity,
    one_line,
)

CLIENT_ID = b"scanner-probe"
# protocol name "MQTT", level 4 (3.1.1), flags 0x02 (clean session only), keepalive 10 s
VARIABLE_HEADER = b"\x00\x04MQTT\x04\x02\x00\x0a"
PAYLOAD = len(CLIENT_ID).to_bytes(2, "big") + CLIENT_ID
CONNECT = bytes([0x10, len(VARIABLE_HEADER) + len(PAYLOAD)]) + VARIABLE_HEADER + PAYLOAD
DISCONNECT = b"\xe0\x00"
REFUSED = {4: "bad user name or password", 5: "not authorized"}
REPLY_WAIT = 5.0


class MqttAnonymous(Check):
    id = "net.mqtt-anonymous"
    title = "MQTT broker accepts clients without credentials"
    family = "network"
    severity = Severity.HIGH
    applies_to = AppliesTo(services=("mqtt",))
    references = ("CWE-306", "MLPS-8.1.4.1a", "CSL-21")
    remediation = (
        "Disable anonymous access (allow_anonymous false and a password_file in mosquitto, or "
        "the broker's equivalent), add ACLs per client, enable TLS on port 8883, and firewall "
        "port 1883 from untrusted networks."
    )

    def run(self, target: ServiceTarget, ctx: CheckContext) -> Iterator[Finding]:
        with ctx.connect(target.address, target.service.port, read_limit=4096) as conn:
            conn.send(CONNECT)
            reply = b""
            try:
                while len(reply) < 4:  # at most four reads: each returns at least one byte
                    chunk = conn.recv(4 - len(reply), timeout=REPLY_WAIT)
                    if not chunk:
                        break
                    reply += chunk
            except TimeoutError:
                ctx.remaining()  # the deadline passing is not silence: let it raise
                if not reply:
                    raise Inconclusive(f"no answer to CONNECT within {REPLY_WAIT:.0f} s") from None
            if reply[:2] != b"\x20\x02" or len(reply) < 4:
                if not reply:
                    raise Inconclusive("the service closed the connection without a CONNACK")
                reply += conn.recv_for(0.5, max_bytes=120)  # a little more, for the reason
                raise NotApplicable(f"the service does not answer like MQTT: {one_line(reply)!r}")
            code = reply[3]
            if code == 0:
                conn.send(DISCONNECT)
        if code in REFUSED:
            return  # credentials required: a pass
        if code != 0:
            raise Inconclusive(f"CONNACK return code {code}: the broker refused for another reason")
        evidence = (
            "CONNECT without user name or password accepted: CONNACK return code 0 "
            f"(session present {reply[2] & 1})"
        )
        yield self.finding(
            target, evidence, detail={"return_code": 0, "client_id": "scanner-probe"}
        )
