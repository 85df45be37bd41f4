"""The web console in a real browser (the Debian chromium): sessions, live arrival, the sandboxed message
frame, replies and threads, webhooks, scoped keys, CSRF, keyboard navigation and accessibility."""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import TOKEN, Stack

from .conftest import Receiver, axe_source, fresh_inbox, screenshot, sign_in, wait_listed

# A 1x1 PNG: the inline (cid:) image of the HTML test mail.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf000000030101001865b7b30000000049454e44ae426082"
)


def smtp_send(stack: Stack, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def plain(to: str, subject: str, text: str = "hello from the console tests") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "Ada <ada@example.com>", to, subject
    message.set_content(text)
    return message


def html_mail(to: str, subject: str, html: str, *, with_cid: bool = False) -> EmailMessage:
    message = plain(to, subject, "the text part")
    message.add_alternative(html, subtype="html")
    if with_cid:
        html_part = message.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(PIXEL, "image", "png", cid="<logo@test>", filename="logo.png")
    return message


def test_signing_in_keeps_the_session_in_a_strict_httponly_cookie_and_signing_out_ends_it(
    context: BrowserContext, console_stack: Stack
) -> None:
    page = context.new_page()
    page.goto(f"{console_stack.url}/ui/inboxes")
    expect(page).to_have_url(re.compile(r"/ui/sign-in"))
    page.fill("#token", "not-a-token-at-all")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("not recognised")
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/ui/inboxes$"))
    (cookie,) = [c for c in context.cookies() if c["name"] == "mailman_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]  # plain HTTP here
    assert cookie["value"] not in console_stack.log
    headers = page.request.get(f"{console_stack.url}/ui/inboxes").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    screenshot(page, "inboxes")
    page.click("text=Sign out")
    expect(page).to_have_url(re.compile(r"/ui/sign-in"))
    # The old cookie is worth nothing now.
    stale = httpx.get(f"{console_stack.url}/ui/inboxes", cookies={"mailman_session": cookie["value"]})
    assert stale.status_code == 302 and "/ui/sign-in" in stale.headers["location"]


def test_the_one_time_link_of_mailman_server_dev_signs_in_once(context: BrowserContext, console_stack: Stack) -> None:
    found = re.search(r"Console: .*?(http://\S+/ui/link/\S+)\)", console_stack.log)
    assert found, console_stack.log
    page = context.new_page()
    page.goto(found.group(1))
    page.click("text=Continue to the console")
    expect(page).to_have_url(re.compile(r"/ui/inboxes$"))
    second = context.browser.new_context() if context.browser else None
    assert second is not None
    again = second.new_page()
    again.goto(found.group(1))
    again.click("text=Continue to the console")
    expect(again.locator(".error")).to_contain_text("used already")
    second.close()


def test_mail_sent_over_smtp_appears_in_the_open_inbox_page_without_reload(page: Page, console_stack: Stack) -> None:
    inbox = fresh_inbox(console_stack, "live", "Live arrivals")
    page.goto(f"{console_stack.url}/ui/inboxes/{inbox['id']}")
    expect(page.locator("#messages")).to_have_attribute("data-live-state", "open")
    page.evaluate("window.notReloaded = true")
    smtp_send(console_stack, plain(inbox["address"], "Arrives live"))
    (stored,) = wait_listed(console_stack, inbox["id"], 1)
    # Once the API has it, the page shows it within a second, pushed by the event stream.
    expect(page.locator(f'tr[data-id="{stored["id"]}"]')).to_contain_text("Arrives live", timeout=1000)
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator(f'tr[data-id="{stored["id"]}"]')).to_have_class(re.compile("unread"))
    page.goto(f"{console_stack.url}/ui/inboxes")
    expect(page.locator(f'td.unread[data-inbox="{inbox["id"]}"]')).to_have_text("1")


def test_the_html_is_sandboxed_remote_images_wait_for_a_click_and_cid_images_show_and_a_reply_makes_a_thread(
    page: Page, console_stack: Stack, receiver: Receiver
) -> None:
    inbox = fresh_inbox(console_stack, "html")
    html = (
        "<h1 id='greeting'>Hello in HTML</h1>"
        f"<img id='remote' src='{receiver.url}/remote.png' alt='remote'>"
        "<img id='logo' src='cid:logo@test' alt='logo'>"
    )
    smtp_send(console_stack, html_mail(inbox["address"], "With images", html, with_cid=True))
    (stored,) = wait_listed(console_stack, inbox["id"], 1)
    finished: list[str] = []
    page.on("requestfinished", lambda request: finished.append(request.url))
    page.goto(f"{console_stack.url}/ui/messages/{stored['id']}")
    body = page.frame_locator("#body")
    expect(body.locator("#greeting")).to_have_text("Hello in HTML")
    logo = body.locator("#logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 1
    assert logo.get_attribute("src", timeout=1000) is not None
    page.wait_for_load_state("networkidle")
    assert not [url for url in finished if url.startswith(receiver.url)]
    assert not [hit for hit in receiver.hits if hit.startswith("/remote.png")]
    assert page.get_attribute("#body", "sandbox") == ""
    screenshot(page, "message")
    page.click("#load-images")
    receiver.wait_for("/remote.png")
    # Reply from the console: the thread now holds both, oldest first.
    page.fill("#reply-text", "Thanks, got it.")
    page.click("#reply-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/ui/threads/thr_"))
    expect(page.locator(".thread-message")).to_have_count(2)
    expect(page.locator(".thread-message").nth(0)).to_contain_text("ada@example.com")
    expect(page.locator(".thread-message").nth(1)).to_contain_text("Thanks, got it.")
    screenshot(page, "thread")


HOSTILE = """
<style>body {{ background: red }} .cover {{ position: fixed; inset: 0; z-index: 2147483647; }}</style>
<div class="cover">cover</div>
<script>document.body.dataset.ran = "script"; parent.document.title = "pwned"; fetch("{url}/script");</script>
<img src="x" onerror="document.body.dataset.ran = 'onerror'; new Image().src = '{url}/onerror'">
<form action="{url}/form" method="get"><input name="a" value="b"><button id="submit-me">go</button></form>
<a id="js-link" href="javascript:parent.document.title='pwned';new Image().src='{url}/js'">click me</a>
<svg onload="document.body.dataset.ran = 'svg'"></svg>
<iframe src="{url}/nested"></iframe>
<meta http-equiv="refresh" content="0;url={url}/refresh">
"""


def test_hostile_html_cannot_run_script_submit_forms_or_touch_the_console(
    page: Page, console_stack: Stack, receiver: Receiver
) -> None:
    inbox = fresh_inbox(console_stack, "hostile")
    smtp_send(console_stack, html_mail(inbox["address"], "Hostile", HOSTILE.format(url=receiver.url)))
    (stored,) = wait_listed(console_stack, inbox["id"], 1)
    page.goto(f"{console_stack.url}/ui/messages/{stored['id']}")
    title = page.title()
    body = page.frame_locator("#body")
    expect(body.locator(".cover")).to_have_text("cover")
    body.locator("#submit-me").click(force=True)
    body.locator("#js-link").click(force=True)
    page.wait_for_load_state("networkidle")
    assert body.locator("body").get_attribute("data-ran") is None  # no script, handler or svg onload ran
    assert page.title() == title
    hostile = ("/script", "/onerror", "/form", "/js", "/nested", "/refresh")
    assert not [hit for hit in receiver.hits if hit.startswith(hostile)]
    # The frame's fixed "cover" stays inside the frame: the console's own buttons are still the ones clicked.
    button = page.locator("#reply-form button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None
    on_top = "([x, y]) => document.elementFromPoint(x, y).closest('button')?.textContent"
    hit = page.evaluate(on_top, [box["x"] + 5, box["y"] + 5])
    assert hit == "Send reply"


def test_a_webhook_created_in_the_console_gets_a_test_event_and_shows_the_delivery(
    page: Page, console_stack: Stack, receiver: Receiver
) -> None:
    page.goto(f"{console_stack.url}/ui/webhooks")
    page.fill("#url", f"{receiver.url}/hook")
    page.fill("#description", "console test")
    page.click("text=Create webhook")
    secret = page.locator("#created-secret code").inner_text()
    assert secret.startswith("whsec_")
    page.goto(f"{console_stack.url}/ui/webhooks")
    assert secret not in page.content()  # shown once
    page.click(f"text={receiver.url}/hook")
    page.click("#send-test")
    receiver.wait_for("/hook")
    row = page.locator("tr.delivery")
    for _ in range(50):  # the delivery row is written when the attempt ends, just after the receiver answered
        if row.count() and row.first.locator(".response-status").inner_text() == "200":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(row.first.locator(".response-status")).to_have_text("200")
    expect(row.first).to_contain_text("ms")
    screenshot(page, "webhook")


def test_a_scoped_key_sees_only_its_inbox_and_a_forged_form_is_refused(
    browser: Browser, console_stack: Stack, receiver: Receiver
) -> None:
    own = fresh_inbox(console_stack, "scoped-own")
    other = fresh_inbox(console_stack, "scoped-other")
    with console_stack.client() as api:
        key = api.post("/v1/api-keys", json={"name": "scoped", "inbox_ids": [own["id"]]}).json()["key"]
    context = browser.new_context()
    try:
        page = sign_in(context, console_stack, key)
        expect(page.locator("table.list")).to_contain_text(own["address"])
        expect(page.locator("table.list")).not_to_contain_text(other["address"])
        assert page.goto(f"{console_stack.url}/ui/inboxes/{other['id']}").status == 404  # type: ignore[union-attr]
        assert page.goto(f"{console_stack.url}/ui/inboxes/{own['id']}").status == 200  # type: ignore[union-attr]
        assert page.goto(f"{console_stack.url}/ui/webhooks").status == 403  # type: ignore[union-attr]
        # A form without the CSRF token, posted with the session cookie, is refused.
        refused = page.request.post(f"{console_stack.url}/ui/inboxes/{own['id']}/rename", form={"name": "forged"})
        assert refused.status == 403
        # And a page elsewhere that posts a form into the console changes nothing.
        receiver.pages["/forged"] = (
            f'<form method="post" action="{console_stack.url}/ui/inboxes/{own["id"]}/rename">'
            '<input name="name" value="forged"><button id="go">go</button></form>'
        )
        forged = context.new_page()
        forged.goto(f"{receiver.url}/forged")
        with forged.expect_navigation():
            forged.click("#go")
        assert "csrf_failed" in forged.content() or "Sign in" in forged.content()
    finally:
        context.close()
    with console_stack.client() as api:
        assert api.get(f"/v1/inboxes/{own['id']}").json()["name"] == "scoped-own"


def test_keyboard_navigation_moves_opens_and_searches(page: Page, console_stack: Stack) -> None:
    inbox = fresh_inbox(console_stack, "keys")
    for n in range(3):
        smtp_send(console_stack, plain(inbox["address"], f"Keyboard {n}"))
    listed = wait_listed(console_stack, inbox["id"], 3)
    page.goto(f"{console_stack.url}/ui/inboxes/{inbox['id']}")
    rows = page.locator("tr.message")
    expect(rows).to_have_count(3)
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile("selected"))
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("selected"))
    page.keyboard.press("k")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("selected"))
    screenshot(page, "inbox")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/ui/messages/{listed[1]['id']}$"))
    page.go_back()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("Keyboard 2")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Keyboard 2")


@pytest.mark.parametrize("path", ["inboxes", "inbox", "message", "thread", "webhooks", "events", "compose", "api-keys"])
def test_no_critical_accessibility_violation(browser: Browser, console_stack: Stack, path: str) -> None:
    inbox = fresh_inbox(console_stack, f"axe-{path}")
    smtp_send(console_stack, html_mail(inbox["address"], "Accessible", "<p>Hello</p>"))
    (stored,) = wait_listed(console_stack, inbox["id"], 1)
    urls = {
        "inboxes": "/ui/inboxes",
        "inbox": f"/ui/inboxes/{inbox['id']}",
        "message": f"/ui/messages/{stored['id']}",
        "thread": f"/ui/threads/{stored['thread_id']}",
        "webhooks": "/ui/webhooks",
        "events": "/ui/events",
        "compose": f"/ui/inboxes/{inbox['id']}/compose",
        "api-keys": "/ui/api-keys",
    }
    context = browser.new_context(bypass_csp=True)  # axe is injected as a script the console's policy would refuse
    try:
        page = sign_in(context, console_stack)
        page.goto(console_stack.url + urls[path])
        page.add_script_tag(content=axe_source())
        result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        critical = [v for v in result["violations"] if v["impact"] == "critical"]
        assert not critical, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in critical]
    finally:
        context.close()


def test_compose_schedules_and_cancels_and_a_draft_is_saved_then_sent(page: Page, console_stack: Stack) -> None:
    inbox = fresh_inbox(console_stack, "compose")
    page.goto(f"{console_stack.url}/ui/inboxes/{inbox['id']}/compose")
    page.fill("#to", "grace@example.com")
    page.fill("#subject", "Later")
    page.fill("#text", "See you tomorrow.")
    page.fill("#send_at", (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    page.click("button[value=send]")
    expect(page.locator("#subject")).to_have_text("Later")
    expect(page.locator("#status")).to_contain_text("scheduled")
    page.goto(f"{console_stack.url}/ui/inboxes/{inbox['id']}?status=scheduled")
    expect(page.locator("tr.message")).to_have_count(1)
    page.click("tr.message a")
    page.click("text=Cancel the scheduled send")
    expect(page.locator("#status")).to_contain_text("canceled")
    # A draft: saved, found in the drafts list, changed and sent.
    page.goto(f"{console_stack.url}/ui/inboxes/{inbox['id']}/compose")
    page.fill("#to", "grace@example.com")
    page.fill("#subject", "Draft one")
    page.click("button[value=draft]")
    expect(page).to_have_url(re.compile(r"/ui/drafts/drf_"))
    page.goto(f"{console_stack.url}/ui/inboxes/{inbox['id']}/drafts")
    page.click("text=Draft one")
    page.fill("#text", "Finished now.")
    page.click("button[value=send]")
    expect(page.locator("#subject")).to_have_text("Draft one")
    expect(page.locator("#text")).to_have_text("Finished now.", use_inner_text=True)
    screenshot(page, "sent")


def test_account_pages_create_a_key_shown_once_a_suppression_and_list_domains_and_events(
    page: Page, console_stack: Stack
) -> None:
    page.goto(f"{console_stack.url}/ui/api-keys")
    page.fill("#key-name", "console key")
    page.click("text=Create key")
    key = page.locator("#created-key code").inner_text()
    assert key.startswith("mm_")
    with console_stack.client(key) as api:
        assert api.get("/v1/inboxes").status_code == 200
    page.goto(f"{console_stack.url}/ui/api-keys")
    assert key not in page.content()
    page.goto(f"{console_stack.url}/ui/suppressions")
    page.fill("#address", "gone@example.com")
    page.click("button:text-is('Suppress')")
    expect(page.locator("table.list")).to_contain_text("gone@example.com")
    page.click("button:text-is('Remove')")
    expect(page.locator("table.list")).not_to_contain_text("gone@example.com")
    page.goto(f"{console_stack.url}/ui/domains")
    page.click("table.list a >> nth=0")
    expect(page.locator("table.list")).to_contain_text("TXT")
    page.click("text=Verify now")
    screenshot(page, "domain")
    inbox = fresh_inbox(console_stack, "events")
    smtp_send(console_stack, plain(inbox["address"], "An event"))
    wait_listed(console_stack, inbox["id"], 1)
    page.goto(f"{console_stack.url}/ui/events?type=message.received&inbox_id={inbox['id']}")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("table.list")).to_contain_text("message.received")
    screenshot(page, "events")


def _signed_in_client(stack: Stack, token: str) -> httpx.Client:
    """A plain HTTP client through the sign-in form, as a browser without JavaScript would."""
    client = httpx.Client(base_url=stack.url, timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/sign-in").text)
    assert csrf
    answer = client.post("/ui/sign-in", data={"csrf": csrf.group(1), "token": token, "next": "/ui/events"})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/events"
    return client


def test_deleting_a_key_ends_its_console_sessions_and_the_sign_in_form_needs_its_token(console_stack: Stack) -> None:
    with console_stack.client() as api:
        created = api.post("/v1/api-keys", json={"name": "short-lived"}).json()
    client = _signed_in_client(console_stack, created["key"])
    try:
        assert client.get("/ui/inboxes").status_code == 200
        with console_stack.client() as api:
            assert api.delete(f"/v1/api-keys/{created['id']}").status_code == 204
        gone = client.get("/ui/inboxes")
        assert gone.status_code == 302 and gone.headers["location"].startswith("/ui/sign-in")
    finally:
        client.close()
    with httpx.Client(base_url=console_stack.url) as stranger:
        # No sign-in cookie, or a form token that is not the cookie's: refused before the token is looked at.
        assert stranger.post("/ui/sign-in", data={"csrf": "x", "token": TOKEN}).status_code == 403
        stranger.get("/ui/sign-in")
        assert stranger.post("/ui/sign-in", data={"csrf": "not-the-cookie", "token": TOKEN}).status_code == 403
        # An open redirect is not on offer: `next` must be a console path.
        csrf = re.search(r'name="csrf" value="([^"]+)"', stranger.get("/ui/sign-in").text)
        assert csrf
        answer = stranger.post("/ui/sign-in", data={"csrf": csrf.group(1), "token": TOKEN, "next": "//evil.test/"})
        assert answer.headers["location"] == "/ui/inboxes"
