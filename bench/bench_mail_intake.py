"""Mail intake throughput: N forwards in a real Dovecot (IMAPS), one poll takes them in (fetch, extract,
score, store, move), then the verdicts go to a local SMTP sink. Needs dovecot-imapd and aiosmtpd.

    python bench/bench_mail_intake.py [n]
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server.conftest import HOSTILE  # noqa: E402
from tests.server.mailserver import dovecot, smtp_sink  # noqa: E402
from tests.server.test_mail_intake import forward, original  # noqa: E402

from lurewatch.server import audit, auth  # noqa: E402
from lurewatch.server import mail_intake as intake  # noqa: E402
from lurewatch.server.config import ServerConfig  # noqa: E402
from lurewatch.server.mail_poller import poll_once, send_replies  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with dovecot(tmp) as imap, smtp_sink() as sink:
            os.environ.update({**imap.env(), **sink.env()})
            mc = intake.MailConfig.from_env()
            mc.max_per_poll, mc.max_per_hour = n + 1, 10 * n
            st = intake.headless_state(ServerConfig(db_url=f"sqlite:///{tmp}/b.sqlite", data_dir=tmp / "data"))
            with st.db.write() as conn:
                uid = auth.create_user(conn, "alice", "reporter", "a-long-password", audit.Actor(None, "bench"))
                intake.add_address(conn, uid, "alice@corp.example", audit.Actor(None, "bench"))
            imap.append(forward(attach=original(mid="warm"), mid="warm"))
            poll_once(st, mc)  # the analyser's first build is not the intake's cost
            send_replies(st, mc)
            for i in range(n):
                imap.append(forward(attach=original(text=HOSTILE + f" Reference {i}.", mid=f"o{i}"), mid=f"f{i}"))
            t0, c0 = time.perf_counter(), time.process_time()
            taken = poll_once(st, mc)
            t1, c1 = time.perf_counter(), time.process_time()
            sent = send_replies(st, mc)
            t2 = time.perf_counter()
            sink.wait(n + 1)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today()}")
    print(f"{taken} forwards in one poll: {t1 - t0:.2f} s wall, {(t1 - t0) / taken * 1000:.0f} ms a message "
          f"({(c1 - c0) / taken * 1000:.0f} ms CPU in this process)")
    print(f"{sent} verdicts sent: {t2 - t1:.2f} s, {(t2 - t1) / max(sent, 1) * 1000:.1f} ms a message")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
