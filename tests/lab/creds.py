"""The credential-test hosts: creds-weak (127.0.10.20) with one weak account per service, and
creds-hardened (127.0.10.21) with the same accounts and long random passwords.

Every service asks for a password there, so the credential checks (``cred.*``) have something
to guess at and the daemons' own logs show every login they sent:

| service | account (weak host's password) | daemon, log |
|---|---|---|
| ssh 22 | ``pi`` (``raspberry``, the vendor default) | sshd, ``Failed password for ...`` |
| ftp 21 | ``user`` (``changeme``) | vsftpd, local user through PAM, ``FAIL LOGIN`` |
| postgresql 5432 | ``postgres`` (``changeme``) | PostgreSQL, ``password authentication failed`` |
| mqtt 1883 | ``admin`` (``changeme``) | mosquitto, password file, ``u'admin'`` per CONNECT |
| http 80 | ``admin`` (``changeme``) | nginx basic auth on ``/`` |
| mysql 3306 | ``admin`` (``changeme``) | MariaDB, ``Access denied for user`` |
| telnet 23 | ``supervisor`` (``zyad1234``, a ZyXEL default) | inetutils telnetd, /bin/login |
| snmp 161/udp | community ``manager`` (ro) | snmpd |

The hardened host's passwords are random (``STATE/secrets/creds-hardened.*``); its sshd and
vsftpd allow password logins too, so its logs count the failures a run caused.

**The system accounts are safe.** ``pi``, ``user`` and ``supervisor`` exist only in each
host's own copy of /etc, bind-mounted over /etc in a private mount namespace (an anchor
process, like the on-site hosts'; see ``onsite``); sshd, vsftpd and inetutils-inetd (telnet) run
inside it. The real /etc is never changed. In the copy every other account's password is locked
(``!``), the lab accounts' shell is ``/usr/sbin/nologin`` and their homes are empty folders
under the state dir; sshd allows only those accounts (no root login, no forwarding, no TTY,
``ForceCommand /bin/false``), vsftpd logs in through a PAM service of its own (``pam_unix``
only) with writes disabled, and telnetd's /bin/login uses the copy's ``login`` PAM service
(``pam_unix`` only): a login ends in ``nologin`` at once.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Final

from tests.lab.hosts import CREDS_HARDENED_ADDR, CREDS_WEAK_ADDR
from tests.lab.postgres import _postgres_bin
from tests.lab.process import DaemonSpec
from tests.lab.snmp import snmpd
from tests.lab.ssh import ssh_key
from tests.lab.system import LabError, make_dir, read_or_make_secret, run_tool, user_ids, write_file

CREDS_ADDR: Final = {"weak": CREDS_WEAK_ADDR, "hardened": CREDS_HARDENED_ADDR}
#: The weak host's accounts, by service: (account, password). Every password is a lab fixture.
CREDS_WEAK: Final = {
    "ssh": ("pi", "raspberry"),
    "ftp": ("user", "changeme"),
    "postgresql": ("postgres", "changeme"),
    "mqtt": ("admin", "changeme"),
    "http": ("admin", "changeme"),
    "mysql": ("admin", "changeme"),
    "telnet": ("supervisor", "zyad1234"),
}
CREDS_WEAK_COMMUNITY: Final = "manager"
#: The lab accounts in the hosts' /etc copies: name -> uid (also the group's gid).
CREDS_USERS: Final = {"pi": 2910, "user": 2911, "supervisor": 2912}
#: The service each lab account's password comes from.
_ACCOUNT_SERVICE: Final = {"pi": "ssh", "user": "ftp", "supervisor": "telnet"}
_MARKER: Final = "lab-host"
_PAM_SERVICE: Final = "lab-creds-ftp"


def creds_secret(state_dir: Path, what: str) -> str:
    """The hardened host's random password (or community) for ``what``."""
    return read_or_make_secret(state_dir / "secrets" / f"creds-hardened.{what}", "hex")


def _password(state_dir: Path, variant: str, service: str) -> str:
    if variant == "weak":
        return CREDS_WEAK[service][1]
    return creds_secret(state_dir, service)


def _openssl_crypt(password: str) -> str:
    res = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"],
        input=password,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return res.stdout.strip()


def _etc_copy(state_dir: Path, variant: str, base: Path) -> Path:
    """A copy of /etc for the host: lab accounts added, every other password locked, its PAM
    service for vsftpd, the marker the anchor's readiness is read from."""
    etc = base / "etc"
    if etc.exists():
        run_tool(["rm", "-rf", "--one-file-system", "--", str(etc)], f"rm -rf {etc}")
    run_tool(["cp", "-a", "/etc", str(etc)], "cp -a /etc")
    passwd = (etc / "passwd").read_text(encoding="utf-8")
    taken = {line.split(":")[2] for line in passwd.splitlines() if line.count(":") >= 2}
    names = {line.split(":")[0] for line in passwd.splitlines() if line}
    home = make_dir(base / "home", 0o755)
    pw, sh, gr = [], [], []
    for user, uid in CREDS_USERS.items():
        if user in names or str(uid) in taken:
            raise LabError(f"the system already has user {user} or UID {uid}: pick others")
        service = _ACCOUNT_SERVICE[user]
        pw.append(f"{user}:x:{uid}:{uid}:lab credential test:{home / user}:/usr/sbin/nologin")
        sh.append(
            f"{user}:{_openssl_crypt(_password(state_dir, variant, service))}:19000:0:99999:7:::"
        )
        gr.append(f"{user}:x:{uid}:")
        os.chown(make_dir(home / user, 0o755), uid, uid)
    shadow = [
        ":".join([f[0], "!", *f[2:]]) if len(f) > 2 else line
        for line in (etc / "shadow").read_text(encoding="utf-8").splitlines()
        for f in [line.split(":")]
    ]
    write_file(etc / "passwd", passwd.rstrip("\n") + "\n" + "\n".join(pw) + "\n")
    write_file(etc / "shadow", "\n".join(shadow + sh) + "\n", mode=0o640)
    os.chown(etc / "shadow", 0, _shadow_gid())
    group = (etc / "group").read_text(encoding="utf-8").rstrip("\n")
    write_file(etc / "group", group + "\n" + "\n".join(gr) + "\n")
    write_file(
        etc / "pam.d" / _PAM_SERVICE,
        "# Generated by tests/lab/lab.py: vsftpd of the credential-test hosts.\n"
        "auth required pam_unix.so nodelay\naccount required pam_unix.so\n"
        "session required pam_unix.so\n",
    )
    # telnet's /bin/login: the host's accounts through pam_unix only, no failure delay
    write_file(
        etc / "pam.d" / "login",
        "# Generated by tests/lab/lab.py: login (telnet) of the credential-test hosts.\n"
        "auth required pam_unix.so nodelay\naccount required pam_unix.so\n"
        "session required pam_unix.so\n",
    )
    write_file(etc / _MARKER, f"creds-{variant}\n")
    return etc


def _shadow_gid() -> int:
    try:
        return user_ids("root", "shadow")[1]
    except Exception:
        return 0


def creds_namespace(state_dir: Path, variant: str) -> list[DaemonSpec]:
    """The host's anchor (its /etc copy bind-mounted in a private mount namespace), and its
    sshd, vsftpd and inetd (telnet) run inside it."""
    name = f"creds-{variant}"
    address = CREDS_ADDR[variant]
    base = make_dir(state_dir / "hosts" / name, 0o755)
    etc = _etc_copy(state_dir, variant, base)
    script = f"set -e\nhostname {name}\nmount --bind {shlex.quote(str(etc))} /etc\n"
    anchor = DaemonSpec(
        f"anchor-{name}",
        (
            "unshare", "--mount", "--uts", "--propagation", "private", "--",
            "/bin/sh", "-c", script + "exec sleep infinity\n",
        ),
    )  # fmt: skip
    keydir = make_dir(base / "sshd", 0o700)
    ssh_key(keydir / "ssh_host_ed25519_key", "ed25519")
    sshd_cfg = write_file(
        keydir / "sshd_config",
        f"# Generated by tests/lab/lab.py: sshd of {name}.\n"
        f"ListenAddress {address}:22\nHostKey {keydir / 'ssh_host_ed25519_key'}\n"
        f"PidFile {keydir / 'sshd.pid'}\nUsePAM no\nPrintMotd no\n"
        "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPermitRootLogin no\n"
        "PermitEmptyPasswords no\nMaxAuthTries 3\nAllowUsers pi user supervisor\n"
        "DisableForwarding yes\n"
        "PermitTTY no\nForceCommand /bin/false\nLogLevel INFO\n",
    )
    make_dir(Path("/run/sshd"), 0o755)
    sshd = DaemonSpec(
        f"sshd-{name}", ("/usr/sbin/sshd", "-D", "-e", "-f", str(sshd_cfg)), enter_ns=anchor.name
    )
    ftp = make_dir(base / "vsftpd", 0o755)
    empty = make_dir(ftp / "empty", 0o755)
    ftp_cfg = write_file(
        ftp / "vsftpd.conf",
        f"# Generated by tests/lab/lab.py: vsftpd of {name}.\n"
        f"listen=YES\nlisten_ipv6=NO\nlisten_address={address}\nlisten_port=21\n"
        "background=NO\nseccomp_sandbox=NO\nconnect_from_port_20=NO\n"
        f"secure_chroot_dir={empty}\npam_service_name={_PAM_SERVICE}\nwrite_enable=NO\n"
        "anonymous_enable=NO\nlocal_enable=YES\nssl_enable=NO\nmax_login_fails=3\n"
        "delay_failed_login=0\npasv_enable=YES\npasv_min_port=40100\npasv_max_port=40199\n"
        "syslog_enable=NO\nxferlog_enable=YES\n"
        f"vsftpd_log_file={state_dir / 'logs' / f'vsftpd-{name}-auth.log'}\n",
        mode=0o600,
    )
    vsftpd = DaemonSpec(f"vsftpd-{name}", ("/usr/sbin/vsftpd", str(ftp_cfg)), enter_ns=anchor.name)
    inetd_cfg = write_file(
        make_dir(base / "inetd", 0o755) / "inetd.conf",
        f"# Generated by tests/lab/lab.py: telnet of {name}.\n"
        f"{address}:telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n",
    )
    inetd = DaemonSpec(
        f"inetd-{name}",
        ("/usr/sbin/inetutils-inetd", "-d", "-p", str(base / "inetd" / "inetd.pid"),
         str(inetd_cfg)),
        enter_ns=anchor.name,
    )  # fmt: skip
    return [anchor, sshd, vsftpd, inetd]


def creds_mosquitto(state_dir: Path, variant: str) -> DaemonSpec:
    """mosquitto of the host: a password file with ``admin``, no anonymous clients."""
    name = f"creds-{variant}"
    base = make_dir(state_dir / f"mosquitto-{name}")
    pwfile = base / "passwd"
    pwfile.unlink(missing_ok=True)
    account = CREDS_WEAK["mqtt"][0]
    run_tool(
        ["mosquitto_passwd", "-c", "-b", str(pwfile), account,
         _password(state_dir, variant, "mqtt")],
        "mosquitto_passwd",
    )  # fmt: skip
    os.chmod(pwfile, 0o600)
    os.chown(pwfile, *user_ids("mosquitto"))
    log = state_dir / "logs" / f"mosquitto-{name}-auth.log"  # stdout is block-buffered
    log.touch()
    os.chown(log, *user_ids("mosquitto"))
    cfg = write_file(
        base / "mosquitto.conf",
        f"# Generated by tests/lab/lab.py: mosquitto of {name}.\nper_listener_settings false\n"
        f"listener 1883 {CREDS_ADDR[variant]}\nallow_anonymous false\npassword_file {pwfile}\n"
        f"user mosquitto\npersistence false\nlog_dest file {log}\nconnection_messages true\n"
        "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n",
    )
    return DaemonSpec(f"mosquitto-{name}", ("/usr/sbin/mosquitto", "-c", str(cfg)))


def creds_snmpd(state_dir: Path, variant: str) -> DaemonSpec:
    """snmpd of the host: one read-only community (``manager`` on the weak host)."""
    community = CREDS_WEAK_COMMUNITY if variant == "weak" else creds_secret(state_dir, "snmp")
    return snmpd(state_dir, f"creds-{variant}", CREDS_ADDR[variant], community)


def creds_nginx(state_dir: Path) -> DaemonSpec:
    """One nginx for both hosts' port 80: HTTP basic authentication on ``/`` for ``admin``."""
    base = make_dir(state_dir / "nginx-creds")
    tmp = make_dir(base / "tmp")
    html = make_dir(base / "html")
    write_file(html / "index.html", "<html><body><h1>lab admin console</h1></body></html>\n")
    servers = ""
    for variant, address in CREDS_ADDR.items():
        account = CREDS_WEAK["http"][0]
        htpasswd = write_file(
            base / f"htpasswd-{variant}",
            f"{account}:{_openssl_crypt(_password(state_dir, variant, 'http'))}\n",
            mode=0o640,
        )
        os.chown(htpasswd, 0, user_ids("www-data")[1])
        servers += (
            f"  server {{\n    listen {address}:80;\n    server_name _;\n    root {html};\n"
            f'    auth_basic "lab admin console";\n    auth_basic_user_file {htpasswd};\n  }}\n'
        )
    temp = "\n".join(
        f"  {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    cfg = write_file(
        base / "nginx.conf",
        f"# Generated by tests/lab/lab.py: nginx of the credential-test hosts.\n"
        f"user www-data;\nworker_processes 1;\npid {base / 'nginx.pid'};\n"
        "error_log stderr notice;\nevents { worker_connections 64; }\n"
        f"http {{\n  access_log {state_dir / 'logs' / 'nginx-creds-access.log'};\n"
        f"  server_tokens off;\n{temp}\n{servers}}}\n",
    )
    return DaemonSpec(
        "nginx-creds",
        ("/usr/sbin/nginx", "-e", "stderr", "-p", str(base), "-c", str(cfg), "-g", "daemon off;"),
    )


def creds_postgres(state_dir: Path, variant: str) -> DaemonSpec:
    """PostgreSQL of the host: its own cluster (made once), the superuser ``postgres`` with the
    host's password, TCP on the host's address only, password (SCRAM) from any address."""
    name = f"creds-{variant}"
    pg_bin = _postgres_bin()
    base = make_dir(state_dir / f"postgres-{name}")
    data = base / "data"
    as_postgres = ("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups")
    if not (data / "PG_VERSION").exists():
        if data.exists():
            subprocess.run(["rm", "-rf", "--", str(data)], check=True, timeout=60)
        make_dir(data, 0o700, owner="postgres")
        pwfile = write_file(
            base / "initdb.pw", _password(state_dir, variant, "postgresql") + "\n",
            mode=0o600, owner="postgres",
        )  # fmt: skip
        run_tool(
            [
                *as_postgres,
                *(str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8"),
                *("--locale=C.UTF-8", "--auth-local=reject", "--auth-host=scram-sha-256"),
                f"--pwfile={pwfile}", "--no-instructions",
            ],
            f"initdb ({name})",
        )  # fmt: skip
        pwfile.unlink()
    write_file(
        data / "pg_hba.conf",
        f"# Generated by tests/lab/lab.py: {name}, any address may try a password.\n"
        "host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n",
        mode=0o600,
        owner="postgres",
    )
    return DaemonSpec(
        f"postgres-{name}",
        (
            *as_postgres,
            *(str(pg_bin / "postgres"), "-D", str(data), "-p", "5432"),
            *("-c", f"listen_addresses={CREDS_ADDR[variant]}", "-c", "unix_socket_directories="),
            *("-c", "ssl=off", "-c", "logging_collector=off", "-c", "max_connections=20"),
            *("-c", "shared_buffers=16MB", "-c", "fsync=off"),
        ),
    )


def creds_mariadb(state_dir: Path, variant: str) -> DaemonSpec:
    """MariaDB of the host: its own data dir (made once: mariadb-install-db, then the account
    ``admin``@``%`` with the host's password in bootstrap mode), TCP on the host's address only,
    its socket in the state dir, failed logins logged (``log_warnings=2``)."""
    name = f"creds-{variant}"
    base = make_dir(state_dir / f"mariadb-{name}", 0o755, owner="mysql")
    data = base / "data"
    if not (data / "mysql").exists():
        if data.exists():
            subprocess.run(["rm", "-rf", "--", str(data)], check=True, timeout=60)
        run_tool(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=mysql",
             "--skip-test-db", "--auth-root-authentication-method=socket"],
            f"mariadb-install-db ({name})",
            timeout=120,
        )  # fmt: skip
        account, _ = CREDS_WEAK["mysql"]
        password = _password(state_dir, variant, "mysql").replace("'", "''")
        res = subprocess.run(
            ["/usr/sbin/mariadbd", "--no-defaults", "--bootstrap", f"--datadir={data}",
             "--user=mysql", "--skip-networking", "--log-warnings=0"],
            input=f"FLUSH PRIVILEGES;\nCREATE USER '{account}'@'%' IDENTIFIED BY '{password}';\n",
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if res.returncode != 0:
            raise LabError(f"mariadbd --bootstrap ({name}) failed: {res.stderr[-800:]}")
    return DaemonSpec(
        f"mariadb-{name}",
        (
            "/usr/sbin/mariadbd", "--no-defaults", f"--datadir={data}", "--user=mysql",
            f"--bind-address={CREDS_ADDR[variant]}", "--port=3306",
            f"--socket={base / 'mysqld.sock'}", f"--pid-file={base / 'mysqld.pid'}",
            "--skip-name-resolve", "--log-warnings=2", "--innodb-buffer-pool-size=16M",
            "--performance-schema=OFF", "--skip-log-bin", "--max-connections=20",
        ),
    )  # fmt: skip
