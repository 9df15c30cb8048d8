"""The lab itself: every service answers a real protocol exchange, weak and hardened differ the
way the lab promises, nothing binds a wildcard address, and start/stop are safe and idempotent.

Starts the lab if it is not running and stops it afterwards only if it started it.
"""

from __future__ import annotations

import ftplib
import http.client
import os
import pwd
import re
import socket
import ssl
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from tests.lab import lab

pytestmark = pytest.mark.lab

WEAK = lab.LAB_HOSTS["weak"].address
HARD = lab.LAB_HOSTS["hardened"].address
OT = lab.LAB_HOSTS["ot"].address
STATE_DIR = lab.DEFAULT_STATE_DIR


@pytest.fixture(scope="module")
def state() -> Iterator[lab.LabState]:
    owned = not lab.is_running(STATE_DIR)
    started = lab.start(STATE_DIR)
    yield started
    if owned:
        lab.stop(STATE_DIR)


def current() -> lab.LabState:
    st = lab.load_state(STATE_DIR)
    assert st is not None
    return st


# ---------------------------------------------------------------------------- small clients


def exchange(address: str, port: int, payload: bytes, timeout: float = 3.0) -> bytes:
    with socket.create_connection((address, port), timeout=timeout) as sock:
        if payload:
            sock.sendall(payload)
        return sock.recv(4096)


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed")
        buf += chunk
    return buf


def http_get(
    address: str, port: int, path: str = "/", context: ssl.SSLContext | None = None
) -> http.client.HTTPResponse:
    conn: http.client.HTTPConnection
    if context is None:
        conn = http.client.HTTPConnection(address, port, timeout=5)
    else:
        conn = http.client.HTTPSConnection(address, port, timeout=5, context=context)
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def insecure_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def mqtt_connack(address: str, user: str | None = None, password: str | None = None) -> int:
    """CONNECT (MQTT 3.1.1) and return the CONNACK return code."""

    def mstr(s: str) -> bytes:
        return struct.pack("!H", len(s)) + s.encode()

    flags = 0x02 | (0x80 if user else 0) | (0x40 if password else 0)
    body = mstr("MQTT") + bytes([4, flags]) + struct.pack("!H", 30) + mstr("lab-test")
    body += (mstr(user) if user else b"") + (mstr(password) if password else b"")
    reply = exchange(address, 1883, bytes([0x10, len(body)]) + body)
    assert reply[:2] == b"\x20\x02", reply
    return reply[3]


def ssh_kexinit(address: str) -> tuple[str, dict[str, list[str]]]:
    """Server banner and the name-lists of its (cleartext) KEXINIT."""
    with socket.create_connection((address, 22), timeout=5) as sock:
        sock.sendall(b"SSH-2.0-labtest\r\n")
        buf = b""
        while b"\r\n" not in buf or not buf.startswith(b"SSH-"):
            buf += sock.recv(1)
            if buf.endswith(b"\n") and not buf.startswith(b"SSH-"):
                buf = b""
        banner = buf.decode().strip()
        length, _pad = struct.unpack("!IB", recv_exact(sock, 5))
        payload = recv_exact(sock, length - 1)
    assert payload[0] == 20  # SSH_MSG_KEXINIT
    pos, lists = 17, []
    for _ in range(10):
        (n,) = struct.unpack("!I", payload[pos : pos + 4])
        lists.append(payload[pos + 4 : pos + 4 + n].decode().split(","))
        pos += 4 + n
    names = ("kex", "hostkey", "cipher", "cipher_s2c", "mac", "mac_s2c")
    return banner, dict(zip(names, lists, strict=False))


def ssh_auth_methods(address: str) -> list[str]:
    sock = socket.create_connection((address, 22), timeout=5)
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=5)
        with pytest.raises(paramiko.BadAuthenticationType) as err:
            transport.auth_none("root")
        return list(err.value.allowed_types)
    finally:
        transport.close()


def modbus(sock: socket.socket, tid: int, pdu: bytes) -> bytes:
    sock.sendall(struct.pack("!HHHB", tid, 0, len(pdu) + 1, lab.MODBUS_UNIT_ID) + pdu)
    rtid, proto, length, _unit = struct.unpack("!HHHB", recv_exact(sock, 7))
    assert (rtid, proto) == (tid, 0)
    return recv_exact(sock, length - 1)


# ---------------------------------------------------------------------------- services


def test_redis_weak_answers_without_auth(state: lab.LabState) -> None:
    assert exchange(WEAK, 6379, b"*1\r\n$4\r\nPING\r\n") == b"+PONG\r\n"


def test_redis_hardened_requires_password(state: lab.LabState) -> None:
    assert exchange(HARD, 6379, b"*1\r\n$4\r\nPING\r\n").startswith(b"-NOAUTH")
    pw = state.redis_password
    auth = f"*2\r\n$4\r\nAUTH\r\n${len(pw)}\r\n{pw}\r\n*1\r\n$4\r\nPING\r\n".encode()
    with socket.create_connection((HARD, 6379), timeout=3) as sock:
        sock.sendall(auth)
        buf = b""
        while buf.count(b"\r\n") < 2:
            buf += sock.recv(1024)
    assert buf == b"+OK\r\n+PONG\r\n"
    assert state.secret_path("redis-hardened.password").stat().st_mode & 0o777 == 0o600


def test_telnet_sends_iac_negotiation(state: lab.LabState) -> None:
    data = exchange(WEAK, 23, b"")
    assert data[:1] == b"\xff", data  # IAC
    assert not lab.tcp_accepts(HARD, 23)


def test_http_weak_serves_page_with_version(state: lab.LabState) -> None:
    resp = http_get(WEAK, 80)
    assert resp.status == 200
    assert re.fullmatch(r"nginx/\d+\.\d+\.\d+", resp.getheader("Server", ""))
    assert http_get(WEAK, 80, "/files/").status == 200  # directory listing


def test_http_hardened_redirects_to_https(state: lab.LabState) -> None:
    resp = http_get(HARD, 80)
    assert resp.status == 301
    assert resp.getheader("Location") == f"https://{HARD}/"
    assert resp.getheader("Server") == "nginx"


def test_https_headers(state: lab.LabState) -> None:
    ctx = ssl.create_default_context(cafile=str(state.ca_pem))
    hard = http_get(HARD, 443, context=ctx)  # verifies against the lab CA, SAN IP
    assert hard.status == 200
    assert hard.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy"):
        assert hard.getheader(header)
    assert hard.getheader("Server") == "nginx"

    weak = http_get(WEAK, 443, context=insecure_context())
    assert weak.status == 200
    for header in ("Strict-Transport-Security", "X-Frame-Options", "Content-Security-Policy"):
        assert weak.getheader(header) is None
    assert weak.getheader("Server", "").startswith("nginx/")


def test_weak_certificate_is_self_signed(state: lab.LabState) -> None:
    ctx = ssl.create_default_context(cafile=str(state.ca_pem))
    with (
        pytest.raises(ssl.SSLCertVerificationError) as err,
        socket.create_connection((WEAK, 443), timeout=5) as sock,
        ctx.wrap_socket(sock, server_hostname=WEAK),
    ):
        pass
    assert err.value.verify_code == 18  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT


def tls_handshake(address: str, version: ssl.TLSVersion) -> bool:
    ctx = insecure_context()
    ctx.minimum_version = ctx.maximum_version = version
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        with (
            socket.create_connection((address, 443), timeout=5) as sock,
            ctx.wrap_socket(sock),
        ):
            return True
    except ssl.SSLError:
        return False


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
def test_tls_protocol_versions(state: lab.LabState) -> None:
    assert tls_handshake(WEAK, ssl.TLSVersion.TLSv1)
    assert tls_handshake(WEAK, ssl.TLSVersion.TLSv1_3)
    assert not tls_handshake(HARD, ssl.TLSVersion.TLSv1)
    assert not tls_handshake(HARD, ssl.TLSVersion.TLSv1_1)
    assert tls_handshake(HARD, ssl.TLSVersion.TLSv1_2)


def test_ftp_anonymous(state: lab.LabState) -> None:
    with ftplib.FTP(WEAK, timeout=5) as ftp:  # noqa: S321  (the point of the test)
        assert ftp.getwelcome().startswith("220")
        assert ftp.login().startswith("230")
        ftp.set_pasv(True)
        assert "README.txt" in ftp.nlst()
    with (
        ftplib.FTP(HARD, timeout=5) as ftp,  # noqa: S321
        pytest.raises(ftplib.error_perm, match=r"^530"),
    ):
        ftp.login()
    with ftplib.FTP(HARD, timeout=5) as ftp:  # noqa: S321  (TLS offered)
        assert ftp.sendcmd("FEAT").count("AUTH TLS") == 1


def test_mqtt_anonymous(state: lab.LabState) -> None:
    assert mqtt_connack(WEAK) == 0
    assert mqtt_connack(HARD) == 5  # not authorized
    assert mqtt_connack(HARD, lab.MQTT_USER, "wrong") in (4, 5)
    assert mqtt_connack(HARD, lab.MQTT_USER, state.mqtt_password) == 0


def test_snmp_communities(state: lab.LabState) -> None:
    descr = lab.snmp_get(WEAK, "public")
    assert descr is not None and descr.startswith(b"Linux")
    assert lab.snmp_get(HARD, "public", timeout=0.5) is None
    assert lab.snmp_get(HARD, state.snmp_community) is not None
    assert state.snmp_community != "public"


def test_ssh_weak_and_hardened(state: lab.LabState) -> None:
    banner, weak = ssh_kexinit(WEAK)
    assert banner.startswith("SSH-2.0-OpenSSH_") and "Debian" in banner
    assert {"diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1"} <= set(weak["kex"])
    assert {"aes128-cbc", "3des-cbc"} <= set(weak["cipher"])
    assert {"hmac-sha1", "hmac-md5"} <= set(weak["mac"])
    assert {"ssh-rsa", "ssh-dss"} <= set(weak["hostkey"])

    banner, hard = ssh_kexinit(HARD)
    assert "Debian" not in banner
    assert not [k for k in hard["kex"] if "sha1" in k or "group1" in k]
    assert not [c for c in hard["cipher"] if c.endswith("-cbc")]
    assert not [m for m in hard["mac"] if "sha1" in m or "md5" in m]
    assert hard["hostkey"] == ["ssh-ed25519"]

    assert "password" in ssh_auth_methods(WEAK)
    assert ssh_auth_methods(HARD) == ["publickey"]

    scan = subprocess.run(
        ["ssh-keyscan", "-t", "rsa", WEAK], capture_output=True, text=True, timeout=10, check=True
    )
    fp = subprocess.run(
        ["ssh-keygen", "-l", "-f", "-"],
        input=scan.stdout,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    assert fp.stdout.split()[0] == "1024"


def test_modbus_registers_and_identification(state: lab.LabState) -> None:
    regs = lab.MODBUS_HOLDING_REGISTERS
    with socket.create_connection((OT, 502), timeout=5) as sock:
        reply = modbus(sock, 1, b"\x2b\x0e\x01\x00")  # read device id, basic
        assert reply[:3] == b"\x2b\x0e\x01"
        count, pos, objects = reply[6], 7, {}
        for _ in range(count):
            oid, n = reply[pos], reply[pos + 1]
            objects[oid] = reply[pos + 2 : pos + 2 + n].decode()
            pos += 2 + n
        assert objects[0] == lab.MODBUS_IDENTITY["VendorName"]
        assert objects[1] == lab.MODBUS_IDENTITY["ProductCode"]
        assert objects[2] == lab.MODBUS_IDENTITY["MajorMinorRevision"]

        reply = modbus(sock, 2, struct.pack("!BHH", 0x03, 0, len(regs)))
        assert reply[0] == 0x03 and reply[1] == 2 * len(regs)
        assert struct.unpack(f"!{len(regs)}H", reply[2:]) == regs


# ---------------------------------------------------------------------------- on-site hosts

ONSITE = ("onsite-weak", "onsite-hardened", "onsite-maxsess1", "onsite-su")


def onsite_login(state: lab.LabState, address: str) -> paramiko.SSHClient:
    """Log in as the lab audit user with its key; host key only from STATE/known_hosts."""
    client = paramiko.SSHClient()
    client.load_host_keys(str(state.known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        address,
        22,
        username=lab.AUDIT_USER,
        key_filename=str(state.audit_key),
        look_for_keys=False,
        allow_agent=False,
        timeout=5,
        banner_timeout=5,
        auth_timeout=5,
    )
    return client


def remote(client: paramiko.SSHClient, command: str) -> str:
    for _ in range(100):  # MaxSessions 1: the server frees the last session just after its close
        try:
            _stdin, stdout, _stderr = client.exec_command(command, timeout=10)
            break
        except paramiko.ChannelException:
            time.sleep(0.05)
    else:
        raise AssertionError(f"no session channel for {command!r} in 5 s")
    out = stdout.read().decode()
    stdout.channel.recv_exit_status()
    stdout.channel.close()
    return out


def active_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("name", ONSITE)
def test_onsite_host_shows_its_own_etc(state: lab.LabState, name: str) -> None:
    profile = lab.ONSITE_PROFILE.get(name, name)  # a derived host has its profile's files
    weak = profile == "onsite-weak"
    client = onsite_login(state, lab.LAB_HOSTS[name].address)
    try:
        assert remote(client, "hostname").strip() == name
        assert remote(client, "id").startswith(
            f"uid={lab.AUDIT_UID}({lab.AUDIT_USER}) gid={lab.AUDIT_UID}({lab.AUDIT_USER})"
        )
        max_days = active_lines(remote(client, "cat /etc/login.defs | grep PASS_MAX_DAYS"))
        assert [line.split() for line in max_days] == [["PASS_MAX_DAYS", "99999" if weak else "90"]]
        uid0 = {
            line.split(":")[0]
            for line in remote(client, "awk -F: '$3==0' /etc/passwd").splitlines()
        }
        assert uid0 == ({"root", "toor"} if weak else {"root"})
        sshd = dict(
            line.split(None, 1) for line in active_lines(remote(client, "cat /etc/ssh/sshd_config"))
        )
        for key, value in lab.ONSITE_SSHD[profile].items():
            assert sshd[key] == value, key
        assert sshd.get("MaxSessions") == (
            str(lab.ONSITE_SESSIONS[name]) if name in lab.ONSITE_SESSIONS else None
        )
        assert sshd["ListenAddress"] == f"{lab.LAB_HOSTS[name].address}:22"
        rotate = active_lines(remote(client, "grep -h ^rotate /etc/logrotate.conf"))
        assert rotate == [f"rotate {lab.ONSITE_LOG_ROTATE_WEEKS[profile]}"]
        world_writable = remote(client, "find /etc -xdev -perm -0002 ! -type l 2>/dev/null")
        suid = remote(client, "stat -c '%a %U' /usr/local/sbin/lab-suid 2>/dev/null")
        pwquality = remote(client, "cat /etc/security/pwquality.conf 2>/dev/null")
        audit_home = remote(client, "ls -A /home/audit/.ssh; ls -A /root 2>&1").split()
    finally:
        client.close()
    if weak:
        assert world_writable.split() == ["/etc/lab-world-writable.conf"]
        assert suid.strip() == "4755 root"
        assert pwquality == ""
    else:
        assert world_writable == ""
        assert suid == ""
        assert "minlen = 12" in active_lines(pwquality)
    assert audit_home[0] == "authorized_keys"
    assert "Permission" in " ".join(audit_home[1:])  # /root of the host: 0700, not the audit's

    shadow = (state.state_dir / "hosts" / name / "etc" / "shadow").read_text()
    empty = {f[0] for f in (line.split(":") for line in shadow.splitlines()) if f[1:2] == [""]}
    assert empty == ({"guest"} if weak else set())
    hashes = {f[0]: f[1] for f in (line.split(":") for line in shadow.splitlines()) if len(f) > 1}
    privilege = lab.ONSITE_PRIVILEGE[name]  # sudo asking a password: the audit user has one
    assert hashes[lab.AUDIT_USER].startswith("$6$") == (privilege == "sudo_password")
    assert hashes[lab.AUDIT_USER] == "!" or privilege == "sudo_password"
    if privilege == "su":  # root's password for su; no sudo rule for the audit user
        assert hashes["root"].startswith("$6$")
        assert not (state.state_dir / "hosts" / name / "etc" / "sudoers.d" / "audit").exists()


def test_onsite_host_keys_are_verified(state: lab.LabState, tmp_path: Path) -> None:
    assert state.audit_key.stat().st_mode & 0o777 == 0o600
    known = state.known_hosts.read_text().splitlines()
    for name in ONSITE:
        addr = lab.LAB_HOSTS[name].address
        assert {line.split()[0] for line in known if addr in line} == {addr, f"[{addr}]:22"}
    client = paramiko.SSHClient()
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    client.load_host_keys(str(empty))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
        client.connect(
            lab.ONSITE_HARDENED_ADDR,
            username=lab.AUDIT_USER,
            key_filename=str(state.audit_key),
            look_for_keys=False,
            allow_agent=False,
            timeout=5,
        )
    client.close()
    assert ssh_auth_methods(lab.ONSITE_HARDENED_ADDR) == ["publickey"]
    assert "password" in ssh_auth_methods(lab.ONSITE_WEAK_ADDR)


def test_onsite_sshd_binds_only_its_address(state: lab.LabState) -> None:
    st = current()
    out = subprocess.run(
        ["ss", "-ltnpH"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    for name in ONSITE:
        pid = st.process(f"sshd-{name}").pid
        bound = {line.split()[3] for line in out.splitlines() if re.search(rf"pid={pid},", line)}
        assert bound == {f"{lab.LAB_HOSTS[name].address}:22"}, name


def test_onsite_namespaces_leave_the_real_host_alone(state: lab.LabState) -> None:
    st = current()
    ours = os.readlink("/proc/self/ns/mnt")
    for name in ONSITE:
        anchor, sshd = st.process(f"anchor-{name}"), st.process(f"sshd-{name}")
        assert lab.onsite_namespace_ready(anchor)
        ns = os.readlink(f"/proc/{anchor.pid}/ns/mnt")
        assert ns != ours
        assert os.readlink(f"/proc/{sshd.pid}/ns/mnt") == ns
        assert os.readlink(f"/proc/{sshd.pid}/ns/uts") == os.readlink(f"/proc/{anchor.pid}/ns/uts")
    assert_real_host_untouched()


REAL_HOSTNAME = socket.gethostname()


def assert_real_host_untouched() -> None:
    users = {line.split(":")[0] for line in Path("/etc/passwd").read_text().splitlines()}
    assert not users & {lab.AUDIT_USER, "toor", "guest"}
    assert socket.gethostname() == REAL_HOSTNAME
    assert REAL_HOSTNAME not in ONSITE
    for path in (
        "/etc/lab-host",
        "/etc/lab-world-writable.conf",
        "/usr/local/sbin/lab-suid",
        f"/home/{lab.AUDIT_USER}",
    ):
        assert not Path(path).exists(), path
    mountinfo = Path("/proc/self/mountinfo").read_text()
    assert str(STATE_DIR / "hosts") not in mountinfo


# ---------------------------------------------------------------------------- safety


def test_nothing_binds_a_wildcard(state: lab.LabState) -> None:
    ours = {pid for pid, _st in lab.lab_processes(current())}
    out = subprocess.run(
        ["ss", "-ltnupH"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    bound: set[tuple[str, int, str]] = set()
    for line in out.splitlines():
        cols = line.split()
        pids = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        if not pids & ours:
            continue
        host, port = cols[4].rsplit(":", 1)
        assert re.fullmatch(r"127\.0\.10\.\d+", host), f"lab process bound to {cols[4]}: {line}"
        bound.add((host, int(port), cols[0]))
    expected = {(h.address, s.port, s.protocol) for h in lab.LAB_HOSTS.values() for s in h.services}
    assert bound == expected


def test_daemons_run_unprivileged(state: lab.LabState) -> None:
    def status_of(pid: int) -> dict[str, str]:
        text = Path(f"/proc/{pid}/status").read_text()
        return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)

    st = current()
    for name, user in {
        "redis-weak": "redis",
        "redis-hardened": "redis",
        "mosquitto-weak": "mosquitto",
        "mosquitto-hardened": "mosquitto",
        "snmpd-weak": "Debian-snmp",
        "snmpd-hardened": "Debian-snmp",
        "modbus": "nobody",
    }.items():
        uid = status_of(st.process(name).pid)["Uid"].split()
        assert set(uid) == {str(pwd.getpwnam(user).pw_uid)}, name
    modbus_status = status_of(st.process("modbus").pid)
    assert int(modbus_status["CapEff"], 16) == 1 << 10  # CAP_NET_BIND_SERVICE only
    assert int(modbus_status["CapBnd"], 16) == 1 << 10
    workers = [
        pid for pid, _ in lab.lab_processes(st) if _cmdline(pid).startswith(b"nginx: worker")
    ]
    assert workers
    for pid in workers:
        assert status_of(pid)["Uid"].split()[0] == str(pwd.getpwnam("www-data").pw_uid)


def _cmdline(pid: int) -> bytes:
    """A process's command line; empty when it ended meanwhile (a recorded helper process, such
    as a one-shot started for a test, may exit between the listing and the read)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


# ---------------------------------------------------------------------------- lifecycle (last)


def test_start_is_idempotent_and_stop_leaves_nothing(state: lab.LabState) -> None:
    before = current()
    again = lab.start(STATE_DIR)
    assert again.already_running
    assert [p.pid for p in again.processes] == [p.pid for p in before.processes]

    members = lab.lab_processes(before)
    assert len(members) >= len(before.processes)
    lab.stop(STATE_DIR)
    assert not lab.is_running(STATE_DIR)
    assert lab.load_state(STATE_DIR) is None
    assert [m for m in members if lab.proc_starttime(m[0]) == m[1] and alive(m[0])] == []
    for host in lab.LAB_HOSTS.values():
        for port in host.tcp_ports:
            assert not lab.tcp_accepts(host.address, port), f"{host.address}:{port}"
    lab.stop(STATE_DIR)  # stopping a stopped lab is a no-op
    assert_real_host_untouched()
    known_hosts = before.known_hosts.read_text()

    restarted = lab.start(STATE_DIR)  # leave it as the fixture found it
    assert not restarted.already_running
    assert lab.is_running(STATE_DIR)
    assert restarted.known_hosts.read_text() == known_hosts  # host keys kept across restarts


def alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return text[text.rfind(")") + 2] not in "ZX"
