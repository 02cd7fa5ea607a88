"""A real Dovecot IMAPS server (Debian's dovecot-imapd, our own instance on a free port, TLS with a
certificate made here) and an aiosmtpd SMTP sink, for the mail intake tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
USER, PASSWORD = "intake", "intake-password-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_cert(d: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = d / "cert.pem", d / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class Imap:
    port: int
    ca_file: str
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    def client(self) -> imaplib.IMAP4_SSL:
        i = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=ssl.create_default_context(cafile=self.ca_file))
        i.login(self.user, self.password)
        return i

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        i = self.client()
        try:
            typ, data = i.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            i.logout()

    def count(self, folder: str) -> int:
        i = self.client()
        try:
            typ, data = i.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return 0
            typ, found = i.uid("SEARCH", None, "UNDELETED")
            return len(found[0].split())
        finally:
            i.logout()

    def env(self) -> dict[str, str]:
        return {"LUREWATCH_IMAP_HOST": self.host, "LUREWATCH_IMAP_PORT": str(self.port),
                "LUREWATCH_IMAP_USER": self.user, "LUREWATCH_IMAP_PASSWORD": self.password,
                "LUREWATCH_MAIL_CA_FILE": self.ca_file}


@contextlib.contextmanager
def dovecot(tmp: Path) -> Iterator[Imap]:
    """Our own Dovecot: passwd-file users, maildir storage, IMAPS only (ssl = required)."""
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (Debian: dovecot-imapd)")
    conf_dir = tmp / "dovecot"
    conf_dir.mkdir()
    cert, key = make_cert(conf_dir)
    (conf_dir / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    # Dovecot never gives mail access to root: as root the mail belongs to `nobody`, in a directory of its own.
    root = os.getuid() == 0
    mail = Path(tempfile.mkdtemp(prefix="lw-dovecot-")) if root else conf_dir / "mail"
    mail_user = "nobody" if root else pwd.getpwuid(os.getuid()).pw_name
    if root:
        pw = pwd.getpwnam(mail_user)
        os.chown(mail, pw.pw_uid, pw.pw_gid)
    # Dovecot's unix sockets live under base_dir, and a socket path is limited to 108 bytes: keep it short
    # whatever TMPDIR is (under a deep TMPDIR it failed with "File name too long").
    run_dir = Path(tempfile.mkdtemp(prefix="lw-dc-", dir="/tmp"))
    port = free_port()
    me = pwd.getpwuid(os.getuid()).pw_name
    # as root, the auth processes stay root to read the users file under pytest's 0700 temporary directory
    users = ("service auth {\n  user = root\n}\nservice auth-worker {\n  user = root\n}\n" if root
             else f"default_internal_user = {me}\ndefault_login_user = {me}\n")
    conf = conf_dir / "dovecot.conf"
    conf.write_text(f"""
base_dir = {run_dir}
state_dir = {conf_dir}/state
instance_name = lw-{port}
log_path = {conf_dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
auth_mechanisms = plain
mail_uid = {mail_user}
mail_gid = {pwd.getpwnam(mail_user).pw_gid}
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {conf_dir}/users
}}
userdb {{
  driver = static
  args = home={mail}/%u
}}
mail_location = maildir:{mail}/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
    p = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                         start_new_session=True)
    server = Imap(port, str(cert))
    try:
        end = time.monotonic() + 20
        while True:
            try:
                server.client().logout()
                break
            except (OSError, imaplib.IMAP4.error):
                if p.poll() is not None or time.monotonic() > end:
                    log = conf_dir / "dovecot.log"
                    raise AssertionError("dovecot did not start: " + (log.read_text()[-2000:] if log.exists() else "")) from None
                time.sleep(0.2)
        yield server
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
        shutil.rmtree(run_dir, ignore_errors=True)
        if root:
            shutil.rmtree(mail, ignore_errors=True)


@dataclass
class Sink:
    port: int
    messages: list[Any] = field(default_factory=list)

    def wait(self, n: int, timeout: float = 20) -> list[Any]:
        end = time.monotonic() + timeout
        while len(self.messages) < n and time.monotonic() < end:
            time.sleep(0.1)
        return self.messages

    def env(self) -> dict[str, str]:
        return {"LUREWATCH_SMTP_HOST": "127.0.0.1", "LUREWATCH_SMTP_PORT": str(self.port),
                "LUREWATCH_SMTP_TLS": "none", "LUREWATCH_SMTP_FROM": "lurewatch <intake@lurewatch.test>"}


@contextlib.contextmanager
def smtp_sink() -> Iterator[Sink]:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from email import message_from_bytes, policy

    sink = Sink(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
            sink.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    c = aiosmtpd.Controller(Handler(), hostname="127.0.0.1", port=sink.port)
    c.start()
    try:
        yield sink
    finally:
        c.stop()
