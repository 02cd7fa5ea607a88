"""The mail intake page: the quarantine (release to an account, or discard), the intake log (analysts),
and the verified addresses forwards are attributed by (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from lurewatch.server import mail_claims, mail_intake
from lurewatch.server.api.common import Id
from lurewatch.server.auth import User
from lurewatch.server.deps import actor, current_user, require, state
from lurewatch.server.tables import users
from lurewatch.server.web.pages import redirect, render

router = APIRouter()


@router.get("/mail")
def mail_page(request: Request, user: User = Depends(require("analyst"))) -> Response:
    st = state(request)
    with st.db.read() as conn:
        quarantined = mail_intake.listing(conn, "quarantined")
        log = mail_intake.listing(conn, None, 100)
        accounts = conn.execute(select(users.c.id, users.c.username).where(users.c.active.is_(True))
                                .order_by(users.c.username)).mappings().all()
        addresses = mail_intake.list_addresses(conn) if user.can("admin") else []
    mc = mail_intake.MailConfig.from_env()
    return render(request, "mail.html", user, quarantined=quarantined, log=log, accounts=accounts,
                  addresses=addresses, enabled=mc.enabled, mailbox=f"{mc.imap_user} ({mc.folder})")


@router.post("/mail/{intake_id}/release")
def release(intake_id: Id, request: Request, user_id: int = Form(ge=1, le=2**31 - 1),
            user: User = Depends(require("analyst"))) -> Response:
    mail_intake.release(state(request), mail_intake.MailConfig.from_env(), intake_id, user_id, user)
    return redirect("/mail")


@router.post("/mail/{intake_id}/discard")
def discard(intake_id: Id, request: Request, user: User = Depends(require("analyst"))) -> Response:
    mail_intake.discard(state(request), intake_id, user)
    return redirect("/mail")


@router.post("/mail/addresses")
def add_address(request: Request, user_id: int = Form(ge=1, le=2**31 - 1), address: str = Form(max_length=320),
                user: User = Depends(require("admin"))) -> Response:
    with state(request).db.write() as conn:
        mail_intake.add_address(conn, user_id, address, actor(request, user))
    return redirect("/mail")


@router.post("/mail/addresses/{address_id}/remove")
def remove_address(address_id: Id, request: Request, user: User = Depends(require("admin"))) -> Response:
    with state(request).db.write() as conn:
        mail_intake.remove_address(conn, address_id, actor(request, user))
    return redirect("/mail")


def _mine(request: Request, user: User, sent_to: str = "") -> Response:
    with state(request).db.read() as conn:
        own = mail_claims.mine(conn, user)
    mc = mail_intake.MailConfig.from_env()
    return render(request, "my_mail.html", user, own=own, intake=mc.imap_user if mc.enabled else "",
                  can_send=bool(mc.smtp_host), sent_to=sent_to)


@router.get("/account/mail")
def my_mail_page(request: Request, user: User = Depends(current_user)) -> Response:
    return _mine(request, user)


@router.post("/account/mail")
def my_mail_request(request: Request, address: str = Form(max_length=320), user: User = Depends(current_user)
                    ) -> Response:
    mail_claims.request_code(state(request), mail_intake.MailConfig.from_env(), user, address, actor(request, user))
    return _mine(request, user, sent_to=mail_intake.norm_address(address))


@router.post("/account/mail/confirm")
def my_mail_confirm(request: Request, address: str = Form(max_length=320), code: str = Form(max_length=64),
                    user: User = Depends(current_user)) -> Response:
    mail_claims.confirm(state(request), user, address, code, actor(request, user))
    return redirect("/account/mail")


@router.post("/account/mail/{address_id}/remove")
def my_mail_remove(address_id: Id, request: Request, user: User = Depends(current_user)) -> Response:
    with state(request).db.write() as conn:
        mail_claims.remove_mine(conn, user, address_id, actor(request, user))
    return redirect("/account/mail")
