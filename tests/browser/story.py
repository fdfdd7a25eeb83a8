#!/usr/bin/env python3
"""The story of issue #13 in a real browser (Debian's Chromium driven by
Playwright for Python), keyboard only, with axe-core on every page it visits.

    python3 tests/browser/story.py --base http://127.0.0.1:8080 [--screenshots DIR]

Needs a server on a database freshly filled by `panel-tracker demo` (the demo
users demo-admin, demo-secretariat, demo-opcc and demo-member, each with the
password `<username>-password`). `.ci/browser` starts one and runs this.

The story, keyboard only (Tab / Shift+Tab to move, typing, arrow keys in
selects, Enter to follow a link or press a button):

 1. the secretariat signs in (first with a wrong password: the error page);
 2. on the most recent meeting's page, logs two actions in meeting mode (the
    first sent once without its description: the error page; after each,
    focus is back in the form, on the agenda item);
 3. pastes minutes, checks the two commitments found and logs them;
 4. assigns the first action to the OPCC user (its edit page);
 5. the OPCC user signs in, finds it under "Owed by me" and submits a response;
 6. the secretariat returns it with a reason from the review queue;
 7. the OPCC user submits a second response; the secretariat accepts it;
 8. the secretariat opens the next meeting's printable action log: the action
    is there, rated Green (and prints to PDF);
 9. the secretariat opens the calendar: what the law requires of whom in the
    coming weeks, and the demo's overdue recommendation under Late; then the
    coming precept's page, each step with who owes it, its date and its rule.

Then what the issue asks beside the story: meeting mode with JavaScript off;
a form sent twice (JavaScript off, on a slow connection) logs one action; a
stale edit is shown, not lost; a form with a forged CSRF token is refused;
a session ends by signing out and by the user's deactivation.

Every page the browser shows is checked with axe-core (WCAG 2.0/2.1/2.2 A
and AA rules); any violation fails the run. So does a Content-Security-Policy
violation reported by the page, or a server error.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
AXE = HERE / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
MAX_TABS = 150
VIEWPORT = {"width": 1280, "height": 800}

SECRETARIAT = "demo-secretariat"
OPCC = "demo-opcc"
ADMIN = "demo-admin"
MEMBER = "demo-member"
OPCC_NAME = "Demo opcc (demo only)"
COMMITTEE = "Demonstration Police and Crime Panel"
# The demo's most recent meeting (held 20 days ago) and the one after it.
THIS_MEETING = "Police and Crime Panel: Police and Crime Plan update"
NEXT_MEETING = "Police and Crime Panel: performance and expenditure"

MINUTES = """5. Update on expenditure to support the Police and Crime Plan

11. Asked about the new rural crime team, the Commissioner said he would report back to the Panel on how many officers had been recruited so far.

12. The Commissioner agreed to circulate the evaluation of the knife crime pilot to Members before the next meeting.
"""


def password(user):
    return f"{user}-password"


class StoryFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise StoryFailed(message)


class Story:
    def __init__(self, base, screenshots):
        self.base = base.rstrip("/")
        self.screenshots = Path(screenshots) if screenshots else None
        self.axe_source = AXE.read_text(encoding="utf-8")
        self.checked = []  # (label, url) of every page axe-core passed
        self.problems = []  # CSP violations, server errors, page errors
        self.started = time.monotonic()
        self.js_off = []  # the contexts with JavaScript off
        self.browser = None
        self.checker = None  # a context with JavaScript on, for axe-core on pages shown without it

    # ---- browser set-up -------------------------------------------------

    def new_context(self, browser, javascript=True):
        # The pages' Content-Security-Policy (script-src 'self', no inline
        # script) stays in force: axe-core is injected through the DevTools
        # protocol (page.evaluate), which the page's CSP does not govern, so
        # `bypass_csp` is not needed, and a CSP violation by the pages' own
        # scripts or styles is seen (and fails the run) as a real browser
        # would report it.
        context = browser.new_context(viewport=VIEWPORT, java_script_enabled=javascript)
        context.set_default_timeout(15_000)
        context.on("page", self.watch)
        if not javascript:
            self.js_off.append(context)
        return context

    def new_page(self, context):
        page = context.new_page()
        return page

    def watch(self, page):
        def on_console(msg):
            text = msg.text
            if msg.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
                self.problems.append(f"CSP violation on {page.url}: {text}")

        def on_response(response):
            if response.status >= 500:
                self.problems.append(f"{response.status} from {response.request.method} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda e: self.problems.append(f"script error on {page.url}: {e}"))
        page.on("response", on_response)

    # ---- checks on every page -------------------------------------------

    def axe(self, page, label):
        """Runs axe-core on the page as shown; fails on any violation."""
        page.wait_for_load_state("load")
        if any(page.context is c for c in self.js_off):
            violations = self.axe_snapshot(page)
        else:
            violations = self.run_axe(page)
        if violations:
            print(f"axe-core violations on {label} ({page.url}):", file=sys.stderr)
            for v in violations:
                print(f"  {v['id']} ({v['impact']}): {v['help']}", file=sys.stderr)
                for n in v["nodes"][:10]:
                    print(f"    {n['target']}: {n['html'][:200]}", file=sys.stderr)
                    print(f"      {n['summary']}", file=sys.stderr)
            raise StoryFailed(f"{len(violations)} axe-core violation(s) on {label}")
        check(not self.problems, "; ".join(self.problems))
        self.checked.append((label, page.url.replace(self.base, "")))
        print(f"  ok  {label:44} {page.url.replace(self.base, '')}  (axe: 0 violations)")

    def run_axe(self, page):
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated through the DevTools protocol, which the page's CSP does not govern.
            page.evaluate(self.axe_source + "\n;undefined")
        check(page.evaluate("() => typeof window.axe === 'object'"), f"axe-core did not load on {page.url}")
        return page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))}));
            }""",
            AXE_TAGS,
        )

    def axe_snapshot(self, page):
        """axe-core on a page shown with JavaScript off. axe-core itself needs
        JavaScript (its timers do not run in a page whose scripts are off), so
        the page as that browser shows it (its DOM, without the page's script
        tags, which did not run) is served at the same address to a page with
        JavaScript on, with the same stylesheets and viewport, and checked there."""
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
        url = page.url.split("#")[0]
        if self.checker is None:
            self.checker = self.browser.new_context(viewport=VIEWPORT)
        snapshot = self.checker.new_page()
        try:
            snapshot.route(lambda u: u.split("#")[0] == url,
                           lambda route: route.fulfill(status=200, body=html,
                                                       headers={"content-type": "text/html; charset=utf-8"}))
            snapshot.goto(url)
            check(not snapshot.evaluate("() => document.body.classList.contains('js-enabled')"),
                  "the snapshot ran the page's script")
            return self.run_axe(snapshot)
        finally:
            snapshot.close()

    def shot(self, page, name):
        if self.screenshots:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)

    # ---- the keyboard ---------------------------------------------------

    @staticmethod
    def focused(locator):
        return locator.evaluate("e => e === document.activeElement")

    def tab_to(self, page, locator, backwards=False):
        """Presses Tab (or Shift+Tab) until `locator` has the focus."""
        check(locator.count() == 1, f"expected one element for {locator}, found {locator.count()}")
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_TABS):
            if self.focused(locator):
                return
            page.keyboard.press(key)
        raise StoryFailed(f"{locator} not reached in {MAX_TABS} presses of {key} on {page.url}")

    def activate(self, page, locator, key="Enter"):
        """Tabs to a link or button and presses Enter; waits for the next page."""
        self.tab_to(page, locator)
        with page.expect_navigation():
            page.keyboard.press(key)
        page.wait_for_load_state("load")

    def type_into(self, page, locator, text, replace=False):
        self.tab_to(page, locator)
        if replace:
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
        page.keyboard.type(text)

    def choose(self, page, select, label):
        """Focuses a select and moves its choice with the arrow keys to the
        option whose text starts with `label` (Chromium on Linux changes a
        closed select's value with ArrowUp/ArrowDown, as a keyboard user does)."""
        self.tab_to(page, select)
        options = select.evaluate("s => Array.from(s.options).map(o => o.text.trim())")
        targets = [i for i, text in enumerate(options) if text.startswith(label)]
        check(len(targets) == 1, f"no single option {label!r} in {options}")
        for _ in range(len(options) + 1):
            current = select.evaluate("s => s.selectedIndex")
            if current == targets[0]:
                break
            page.keyboard.press("ArrowDown" if current < targets[0] else "ArrowUp")
        check(select.evaluate("s => s.selectedIndex") == targets[0], f"could not choose {label!r} with the keyboard")
        check(self.focused(select), "the select lost focus")

    def sign_in(self, page, user):
        """From any page: to the sign-in page (the address typed), signs in."""
        if "/sign-in" not in page.url:
            page.goto(self.base + "/")
        check("/sign-in" in page.url, f"not at the sign-in page: {page.url}")
        username = page.locator("#username")
        summary = page.locator(".govuk-error-summary")
        if summary.count() and page.evaluate("() => document.body.classList.contains('js-enabled')"):
            # After a mistake GOV.UK's error summary has the focus; its link leads to the field.
            check(summary.evaluate("e => e.contains(document.activeElement)"), "the error summary does not have the focus")
            self.activate_in_page(page, summary.locator("a").first)
        check(self.focused(username), "the username field does not have the focus on the sign-in page")
        page.keyboard.press("Control+A")
        page.keyboard.type(user)
        self.type_into(page, page.locator("#password"), password(user))
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_load_state("load")
        check("/sign-in" not in page.url, f"{user} could not sign in: {page.url}")

    def sign_out(self, page):
        self.activate(page, page.get_by_role("button", name="Sign out"))
        check("/sign-in" in page.url, f"sign-out did not lead to the sign-in page: {page.url}")

    # ---- the JSON API, to count what was logged --------------------------

    def api_token(self, playwright, user):
        api = playwright.request.new_context(base_url=self.base)
        r = api.post("/api/v1/auth/token", data={"username": user, "password": password(user)})
        check(r.ok, f"token for {user}: {r.status} {r.text()}")
        token = r.json()["access_token"]
        api.dispose()
        return playwright.request.new_context(
            base_url=self.base, extra_http_headers={"Authorization": f"Bearer {token}"}
        )

    @staticmethod
    def actions_raised_at(api, meeting_id):
        items, cursor = [], None
        while True:
            params = {"raised_at_meeting_id": str(meeting_id), "limit": "200"}
            if cursor:
                params["cursor"] = cursor
            r = api.get("/api/v1/actions", params=params)
            check(r.ok, f"listing actions: {r.status} {r.text()}")
            body = r.json()
            items += body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return items

    # ---- the story ------------------------------------------------------

    def run(self, playwright):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        self.browser = browser
        try:
            self.story(playwright, browser)
            self.javascript_off(playwright, browser)
            self.stale_edit(browser)
            self.csrf_refused(playwright, browser)
            self.sessions_end(browser)
            self.print_log(browser)
            self.public_story(playwright, browser)
        finally:
            browser.close()

    def story(self, playwright, browser):
        print("the story, keyboard only:")
        ctx = self.new_context(browser)
        page = self.new_page(ctx)

        # 1. The secretariat signs in; a wrong password first.
        page.goto(self.base + "/")
        check(page.url.endswith("/sign-in"), f"signed out, / should go to the sign-in page, not {page.url}")
        self.axe(page, "sign-in")
        self.shot(page, "01-sign-in")
        check(self.focused(page.locator("#username")), "the username field does not have the focus")
        page.keyboard.type(SECRETARIAT)
        self.type_into(page, page.locator("#password"), "not the password")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        check(page.get_by_text("The username or password is not right").count() > 0, "no error for a wrong password")
        self.axe(page, "sign-in, wrong password")
        self.sign_in(page, SECRETARIAT)
        check(page.get_by_text("Signed in as Demo secretariat").count() == 1, "not signed in as the secretariat")
        self.axe(page, "home (secretariat)")
        self.shot(page, "02-home-secretariat")

        # 2. To the most recent meeting, through the committee's page.
        self.activate(page, page.get_by_role("link", name=COMMITTEE))
        self.axe(page, "committee")
        self.activate(page, page.get_by_role("link", name=re.compile("^" + re.escape(THIS_MEETING))))
        meeting_url = page.url.split("?")[0].split("#")[0]
        meeting_id = int(meeting_url.rsplit("/", 1)[1])
        self.axe(page, "meeting (meeting mode)")

        api = self.api_token(playwright, SECRETARIAT)
        before = len(self.actions_raised_at(api, meeting_id))

        # Meeting mode, first action: sent without what was promised.
        form = page.locator("form.app-meeting-mode")
        self.choose(page, page.locator("#agenda_item_id"), "5 ")
        self.type_into(page, page.locator("#minute_paragraph"), "9")
        self.type_into(page, page.locator("#committed_by"), "Commissioner")
        self.type_into(page, page.locator("#owed_to"), "Cllr Jones, Member")
        with page.expect_navigation():
            page.keyboard.press("Enter")  # submits the form from a text field
        check(page.get_by_text("There is a problem").count() == 1, "no error summary for a form without a description")
        check(page.locator("#owed_to").input_value() == "Cllr Jones, Member", "what was typed was lost")
        self.axe(page, "meeting, form with an error")
        # GOV.UK's error summary takes the focus; its link leads to the field.
        self.activate_in_page(page, page.locator(".govuk-error-summary__list a").first)
        check(self.focused(page.locator("#description")), "the error summary's link did not focus the field")
        page.keyboard.type("Report back on which secondary school will host the youth enterprise pilot")
        due = page.locator("#due_meeting_id")
        check(due.evaluate("s => s.options[s.selectedIndex].text").startswith(NEXT_MEETING),
              "the due meeting is not the next meeting by default")
        self.activate(page, form.get_by_role("button", name="Log action"))
        banner = page.locator(".govuk-notification-banner__heading")
        check(banner.count() == 1 and "logged" in banner.inner_text(), "no confirmation that the action was logged")
        first_ref = re.search(r"Action (\S+) logged", banner.inner_text()).group(1)
        self.focus_is_back_in_the_form(page)
        self.axe(page, "meeting, action logged")
        self.shot(page, "03-meeting-mode")

        # Second action, from the agenda item where the focus is.
        self.choose(page, page.locator("#agenda_item_id"), "6 ")
        self.type_into(page, page.locator("#minute_paragraph"), "10")
        self.type_into(page, page.locator("#committed_by"), "Commissioner")
        self.type_into(page, page.locator("#owed_to"), "the Panel")
        self.type_into(page, page.locator("#description"), "Provide the Thanet response time figures by month")
        self.activate(page, form.get_by_role("button", name="Log action"))
        second_ref = re.search(r"Action (\S+) logged", page.locator(".govuk-notification-banner__heading").inner_text()).group(1)
        self.focus_is_back_in_the_form(page)
        self.axe(page, "meeting, second action logged")

        # 3. Pasted minutes: two commitments found, both logged.
        self.type_into(page, page.locator("#minutes"), MINUTES)
        self.activate(page, page.get_by_role("button", name="Find commitments"))
        check(page.locator("h1").inner_text() == "Commitments in the minutes", f"not the candidates page: {page.url}")
        candidates = page.locator("fieldset.app-candidate")
        check(candidates.count() == 2, f"expected 2 commitments in the minutes, found {candidates.count()}")
        self.axe(page, "pasted minutes: candidates")
        self.shot(page, "04-minutes-candidates")
        # Give the second one an owner and keep the rest as found.
        self.choose(page, page.locator("#c1_owner_id"), OPCC_NAME)
        self.activate(page, page.get_by_role("button", name="Log the selected ones"))
        check(page.get_by_text("The selected commitments were logged as actions.").count() == 1, "minutes not logged")
        self.axe(page, "meeting, minutes logged")
        after = self.actions_raised_at(api, meeting_id)
        check(len(after) == before + 4, f"expected 4 new actions, found {len(after) - before}")
        sentences = [a.get("source_sentence") or "" for a in after]
        check(any("rural crime team" in s for s in sentences) and any("knife crime pilot" in s for s in sentences),
              "the logged commitments do not keep their sentences")
        knife = [a for a in after if "knife crime pilot" in (a.get("source_sentence") or "")]
        check(knife[0].get("owner_id") is not None, "the owner chosen for a commitment was not kept")

        # 4. Assign the first action to the OPCC user, on its edit page.
        self.activate(page, page.get_by_role("link", name=first_ref, exact=True))
        self.axe(page, "action")
        self.activate(page, page.get_by_role("link", name=f"Edit this action {first_ref}"))
        self.axe(page, "edit action")
        self.choose(page, page.locator("#owner_id"), OPCC_NAME)
        self.activate(page, page.get_by_role("button", name="Save changes"))
        check(page.get_by_text("Your changes were saved.").count() == 1, "the assignment was not saved")
        owner_row = page.locator(".govuk-summary-list__row", has_text="Owner")
        check(OPCC_NAME in owner_row.first.inner_text(), "the owner is not the OPCC user")
        self.axe(page, "action, assigned")
        self.shot(page, "05-action")
        action_url = page.url.split("?")[0]
        self.sign_out(page)

        # 5. The OPCC user: owed by me, submits a response.
        self.opcc_responds(page, first_ref, "The pilot will run at Highworth Grammar School.", shot=True)

        # 6. The secretariat returns it with a reason, from the review queue.
        self.sign_in(page, SECRETARIAT)
        self.activate(page, page.get_by_role("link", name="Review responses", exact=True).first)
        check(page.url.endswith("/review"), f"not the review queue: {page.url}")
        self.axe(page, "review queue")
        self.shot(page, "06-review-queue")
        action_id = action_url.rsplit("/", 1)[1]
        self.type_into(page, page.locator(f"#reason-{action_id}"), "Which year groups will take part?")
        self.activate(page, page.get_by_role("button", name=f"Return response to {first_ref}"))
        check(page.get_by_text("Which year groups will take part?").count() >= 1, "the reason is not shown")
        check(page.locator("strong.govuk-tag", has_text="In progress").count() == 1, "not back in progress")
        self.axe(page, "action, returned")
        self.sign_out(page)

        # 7. The OPCC user answers again; the secretariat accepts it.
        self.opcc_responds(page, first_ref, "Years 9 and 10 at Highworth Grammar School, from the spring term.")
        self.sign_in(page, SECRETARIAT)
        self.activate(page, page.get_by_role("link", name="Review responses", exact=True).first)
        self.axe(page, "review queue, second response")
        check(page.get_by_text("Years 9 and 10").count() == 1, "the second response is not in the queue")
        self.activate(page, page.get_by_role("button", name=f"Accept response to {first_ref}"))
        check(page.locator("strong.govuk-tag", has_text="Completed").count() == 1, "the action is not completed")
        self.axe(page, "action, accepted")

        # 8. The next meeting's action log: the action, rated Green.
        due_row = page.locator(".govuk-summary-list__row", has_text="Due")
        self.activate(page, due_row.get_by_role("link"))
        check(page.locator("h1").inner_text().startswith(NEXT_MEETING), f"not the next meeting: {page.url}")
        self.axe(page, "next meeting")
        self.activate(page, page.get_by_role("link", name="print view"))
        check("/action-log" in page.url, f"not the action log: {page.url}")
        row = page.locator("tr", has_text=first_ref)
        check(row.count() == 1, f"{first_ref} is not in the next meeting's action log")
        tag = row.locator("strong.govuk-tag")
        check(tag.inner_text().strip() == "Green" and "govuk-tag--green" in tag.get_attribute("class"),
              f"{first_ref} is not rated Green in the action log: {tag.inner_text()!r}")
        self.axe(page, "action log (next meeting)")
        self.shot(page, "08-action-log")
        self.log_url = page.url

        # 9. The calendar: what the law requires of whom in the coming weeks,
        # and what is late (the demo's overdue recommendation).
        self.activate(page, page.get_by_role("link", name="Calendar", exact=True))
        check(page.locator("h1").inner_text() == "Calendar", f"not the calendar: {page.url}")
        late = page.locator("table").first
        check(late.locator("tr", has_text="Response to recommendation DEMOPCP/R/").count() >= 1,
              "the overdue recommendation is not under Late")
        self.axe(page, "calendar")
        # A year ahead always reaches the next precept's dates (1 and 8 February).
        self.choose(page, page.get_by_label("How far ahead"), "52 weeks")
        self.activate(page, page.get_by_role("button", name="Show"))
        check("weeks=52" in page.url, f"not a year ahead: {page.url}")
        due = page.locator("table").nth(1)
        check(due.locator("tr", has_text="Panel reports to the PCC").count() >= 1,
              "the panel's precept report is not in the year ahead")
        check(due.locator("tr", has_text="SI 2012/2271 reg 4(1)").count() >= 1,
              "the precept report is shown without the rule that sets its date")
        self.axe(page, "calendar, a year ahead")
        self.shot(page, "11-calendar")
        # The precept's page: every step, who owes it, its date and the rule.
        step = due.locator("tr", has_text="Panel reports to the PCC").first
        self.activate(page, step.get_by_role("link"))
        check("/statutory-processes/" in page.url and page.locator("h1").inner_text().startswith("Precept"),
              f"not the precept's page: {page.url}")
        row = page.locator("tr", has_text="Panel reports to the PCC")
        check(row.count() == 1 and "SI 2012/2271 reg 4(1)" in row.inner_text() and "Awaited" in row.inner_text(),
              f"the panel's report is not shown awaited with its rule: {row.all_inner_texts()}")
        self.axe(page, "statutory process (precept)")
        self.shot(page, "12-statutory-process")
        self.first_ref, self.second_ref, self.meeting_id = first_ref, second_ref, meeting_id
        self.meeting_url = meeting_url
        api.dispose()
        ctx.close()

    def activate_in_page(self, page, locator):
        """Tabs to an in-page link and presses Enter (no navigation)."""
        self.tab_to(page, locator)
        page.keyboard.press("Enter")

    def focus_is_back_in_the_form(self, page):
        where = page.evaluate(
            """() => { const e = document.activeElement;
                       return {id: e && e.id, tag: e && e.tagName,
                               inForm: !!(e && e.closest && e.closest('form.app-meeting-mode'))}; }"""
        )
        check(where["inForm"] and where["id"] == "agenda_item_id",
              f"after logging, the focus is not back in the meeting-mode form (it is on {where})")

    def opcc_responds(self, page, ref, response, shot=False):
        self.sign_in(page, OPCC)
        check(page.get_by_text("Signed in as Demo opcc").count() == 1, "not signed in as the OPCC user")
        owed = page.locator("table", has=page.locator("caption", has_text="Actions owed by me"))
        check(owed.get_by_role("link", name=ref, exact=True).count() == 1, f"{ref} is not under 'Owed by me'")
        self.axe(page, "home (OPCC)")
        if shot:
            self.shot(page, "07-home-opcc")
        self.activate(page, owed.get_by_role("link", name=ref, exact=True))
        self.axe(page, "action (OPCC)")
        self.type_into(page, page.locator("#response"), response)
        self.activate(page, page.get_by_role("button", name="Submit response"))
        check(page.locator("strong.govuk-tag", has_text="Response submitted").count() == 1, "response not submitted")
        self.axe(page, "action, response submitted")
        self.sign_out(page)
        self.axe(page, "signed out")

    # ---- beside the story -----------------------------------------------

    def javascript_off(self, playwright, browser):
        print("meeting mode with JavaScript off, and a form sent twice:")
        ctx = self.new_context(browser, javascript=False)
        page = self.new_page(ctx)
        page.goto(self.base + "/")
        check(page.evaluate("() => document.body.classList.contains('js-enabled')") is False,
              "JavaScript is not off")
        self.sign_in(page, SECRETARIAT)
        self.axe(page, "home, JavaScript off")
        api = self.api_token(playwright, SECRETARIAT)
        page.goto(self.meeting_url)
        self.axe(page, "meeting, JavaScript off")
        before = len(self.actions_raised_at(api, self.meeting_id))
        form = page.locator("form.app-meeting-mode")
        self.choose(page, page.locator("#agenda_item_id"), "4 ")
        self.type_into(page, page.locator("#description"), "Send Members the precept consultation results")
        self.activate(page, form.get_by_role("button", name="Log action"))
        check(page.get_by_text("logged. The form is ready for the next one").count() == 1, "not logged without JavaScript")
        self.focus_is_back_in_the_form(page)
        self.axe(page, "meeting, logged with JavaScript off")
        check(len(self.actions_raised_at(api, self.meeting_id)) == before + 1, "JavaScript off: not one action logged")

        # The same form sent twice, as on a slow connection: the first send
        # reaches the server, but its answer has not come back when Log action
        # is pressed again (no JavaScript, so nothing in the page stops the
        # second press). Playwright's routing holds the first answer back: the
        # first request is sent on to the server (route.fetch) and its answer
        # is kept from the browser; the second press is sent on as it is.
        known = {a["id"] for a in self.actions_raised_at(api, self.meeting_id)}
        description = "Publish the stop and search scrutiny panel minutes"
        self.choose(page, page.locator("#agenda_item_id"), "6 ")
        self.type_into(page, page.locator("#description"), description)
        self.tab_to(page, form.get_by_role("button", name="Log action"))
        posts, held = [], []

        def hold_the_first(route):
            posts.append(route.request.post_data)
            if len(posts) == 1:
                held.append((route, route.fetch(max_redirects=0)))  # to the server; the answer kept back
            else:
                route.continue_()

        page.route(re.compile(r"/meetings/\d+/actions$"), hold_the_first)
        shown = page.url
        page.keyboard.press("Enter")
        deadline = time.monotonic() + 10
        while not held:
            check(time.monotonic() < deadline, "the first send never reached the server")
            page.wait_for_timeout(50)
        check(held[0][1].status == 303, f"the first send was answered {held[0][1].status}")
        check(page.url == shown, "the first answer reached the page: not a double submission")
        logged = [a for a in self.actions_raised_at(api, self.meeting_id) if a["id"] not in known]
        check(len(logged) == 1 and logged[0]["description"] == description, "the first send did not log the action")
        # ...and Log action pressed again on the page still shown.
        page.keyboard.press("Enter")
        # The second press cancels the first navigation (net::ERR_ABORTED, which
        # Playwright's navigation waits report as a failure): poll for the page
        # that answers the second.
        deadline = time.monotonic() + 15
        while True:
            try:
                if page.url.endswith(f"logged={logged[0]['id']}") and page.evaluate("() => document.readyState") == "complete":
                    break
            except PlaywrightError:
                pass  # the document changed during the evaluation
            check(time.monotonic() < deadline, f"no answer to the second send: {page.url}")
            page.wait_for_timeout(100)
        try:  # the browser gave up on the first request when the second was sent
            held[0][0].fulfill(response=held[0][1])
        except PlaywrightError:
            pass
        page.unroute(re.compile(r"/meetings/\d+/actions$"))
        check(len(posts) == 2, f"expected the form to be sent twice, it was sent {len(posts)} time(s)")
        form_ids = {parse_qs(p or "").get("form_id", [""])[0] for p in posts}
        check(len(form_ids) == 1 and "" not in form_ids, "the two sends were not of the same form")
        new = [a for a in self.actions_raised_at(api, self.meeting_id) if a["id"] not in known]
        check(len(new) == 1, f"a form sent twice logged {len(new)} action(s)")
        check(page.get_by_text("logged. The form is ready for the next one").count() == 1, "the second send was not answered as the first")
        self.axe(page, "meeting, after a double submission")
        print(f"  ok  sent twice (form_id {form_ids.pop()[:8]}...), logged once")
        api.dispose()
        ctx.close()

    def stale_edit(self, browser):
        print("a stale edit is shown, not lost:")
        ctx = self.new_context(browser)
        page = self.new_page(ctx)
        self.sign_in(page, SECRETARIAT)
        page.goto(self.meeting_url)
        self.activate(page, page.get_by_role("link", name=self.second_ref, exact=True))
        self.activate(page, page.get_by_role("link", name=f"Edit this action {self.second_ref}"))
        edit_url = page.url
        other = self.new_page(ctx)  # the same edit page in a second tab
        other.goto(edit_url)
        self.axe(other, "edit action (second tab)")
        # The first tab saves a new description.
        mine_first = "Provide the Thanet response time figures by month, with the county average"
        self.type_into(page, page.locator("#description"), mine_first, replace=True)
        self.activate(page, page.get_by_role("button", name="Save changes"))
        check(page.get_by_text("Your changes were saved.").count() == 1, "the first tab's edit was not saved")
        # The second tab, opened before that save, changes who it is owed to.
        other.bring_to_front()
        self.type_into(other, other.locator("#owed_to"), "Cllr Patel, Member", replace=True)
        with other.expect_navigation() as nav:
            self.tab_to(other, other.get_by_role("button", name="Save changes"))
            other.keyboard.press("Enter")
        check(nav.value is not None and nav.value.status == 409, f"expected a 409, got {nav.value and nav.value.status}")
        check(other.get_by_text("Someone changed this action after you opened it").count() >= 1, "the conflict is not explained")
        check(other.locator("#owed_to").input_value() == "Cllr Patel, Member", "the user's change was lost")
        check(other.locator("#description").input_value() == mine_first, "the other change is not shown in the form")
        check(other.get_by_text("Changed since you opened it").count() == 1, "who changed what is not listed")
        self.axe(other, "edit action, changed meanwhile (409)")
        self.activate(other, other.get_by_role("button", name="Save changes"))
        check(other.get_by_text("Your changes were saved.").count() == 1, "saving again did not work")
        body = other.locator("dl.govuk-summary-list").inner_text()
        check("Cllr Patel, Member" in body and mine_first in body, "one of the two changes was lost")
        self.axe(other, "action, saved after the conflict")
        ctx.close()

    def csrf_refused(self, playwright, browser):
        print("a form with a forged CSRF token is refused:")
        ctx = self.new_context(browser)
        page = self.new_page(ctx)
        self.sign_in(page, SECRETARIAT)
        page.goto(self.meeting_url)
        api = self.api_token(playwright, SECRETARIAT)
        before = len(self.actions_raised_at(api, self.meeting_id))
        # An attacker's copy of the form: the token is not this session's.
        page.evaluate("""() => document.querySelector('form.app-meeting-mode input[name=csrf_token]').value =
                             'forged-' + 'x'.repeat(40)""")
        self.type_into(page, page.locator("#description"), "This must not be logged")
        with page.expect_navigation() as nav:
            self.tab_to(page, page.locator("form.app-meeting-mode").get_by_role("button", name="Log action"))
            page.keyboard.press("Enter")
        check(nav.value.status == 403, f"expected 403, got {nav.value.status}")
        check(page.locator("h1").inner_text() == "This form has expired", "no 'This form has expired' page")
        self.axe(page, "form refused (403)")
        check(len(self.actions_raised_at(api, self.meeting_id)) == before, "a forged form logged an action")
        api.dispose()
        ctx.close()

    def sessions_end(self, browser):
        print("sessions end by signing out and by deactivation:")
        ctx = self.new_context(browser)
        page = self.new_page(ctx)
        self.sign_in(page, SECRETARIAT)
        self.activate(page, page.get_by_role("link", name="Review responses", exact=True).first)
        self.sign_out(page)
        page.goto(self.base + "/review")
        check("/sign-in?next=/review" in page.url, f"after signing out, /review did not go to sign-in: {page.url}")
        ctx.close()

        member_ctx = self.new_context(browser)
        member = self.new_page(member_ctx)
        self.sign_in(member, MEMBER)
        self.activate(member, member.get_by_role("link", name="Actions", exact=True))
        self.axe(member, "actions (member)")
        admin_ctx = self.new_context(browser)
        admin = self.new_page(admin_ctx)
        self.sign_in(admin, ADMIN)
        self.activate(admin, admin.get_by_role("link", name="Users", exact=True))
        self.axe(admin, "users (admin)")
        self.activate(admin, admin.get_by_role("button", name=f"Deactivate {MEMBER}"))
        row = admin.locator("tr", has_text=MEMBER)
        check("Deactivated" in row.inner_text(), "the member was not deactivated")
        self.axe(admin, "users, member deactivated")
        member.reload()
        check("/sign-in?next=/actions" in member.url, f"a deactivated user's page still loads: {member.url}")
        self.axe(member, "sign-in after deactivation")
        member_ctx.close()
        admin_ctx.close()
        print("  ok  signed out: /review goes to sign-in; deactivated: the next page goes to sign-in")

    def print_log(self, browser):
        """The action log printed (headless Chromium's PDF), read back with pdftotext if present."""
        ctx = self.new_context(browser)
        page = self.new_page(ctx)
        self.sign_in(page, SECRETARIAT)
        page.goto(self.log_url)
        pdf = page.pdf(format="A4")
        check(pdf.startswith(b"%PDF"), "no PDF from the print view")
        if shutil.which("pdftotext"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "log.pdf"
                path.write_bytes(pdf)
                text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                      check=True).stdout
            check(self.first_ref in text and "Green" in text, "the printed log lacks the action or its rating")
            check("Sign out" not in text, "the printed log shows the page's navigation")
            print(f"  ok  printed action log: {len(pdf)} bytes of PDF, {self.first_ref} rated Green")
        else:
            print(f"  ok  printed action log: {len(pdf)} bytes of PDF (pdftotext absent: not read back)")
        ctx.close()

    def public_story(self, playwright, browser):
        """A resident with no account: the published panel, a search, the
        promise and its response, an exempt action, the CSV, keyboard only."""
        print("the public record, without signing in:")
        api = self.api_token(playwright, SECRETARIAT)
        meeting = api.get(f"/api/v1/meetings/{self.meeting_id}")
        check(meeting.ok, f"reading the meeting: {meeting.status}")
        committee_id = meeting.json()["committee_id"]
        committee = api.get(f"/api/v1/committees/{committee_id}")
        r = api.patch(f"/api/v1/committees/{committee_id}", data={"published": True},
                      headers={"If-Match": committee.headers["etag"]})
        check(r.ok, f"publishing the committee: {r.status} {r.text()}")
        second = api.get("/api/v1/actions", params={"q": self.second_ref}).json()["items"][0]
        r = api.patch(f"/api/v1/actions/{second['id']}", headers={"If-Match": f'"{second["version"]}"'},
                      data={"exempt": {"paragraph": 3, "reason": "Names the contractor whose figures these are"}})
        check(r.ok, f"marking an action exempt: {r.status} {r.text()}")
        api.dispose()

        ctx = self.new_context(browser)
        page = self.new_page(ctx)
        page.goto(self.base + "/public")
        self.axe(page, "public: the panels")
        self.activate(page, page.locator(f'a[href="/public/committees/{committee_id}"]'))
        self.axe(page, "public: a panel")
        check(page.get_by_role("link", name="Download every action (CSV)").count() == 1, "no CSV download")
        self.type_into(page, page.locator("#q"), "youth enterprise")
        self.activate(page, page.get_by_role("button", name="Search"))
        check(page.get_by_role("link", name=self.first_ref, exact=True).count() == 1,
              f"the search did not find {self.first_ref}")
        check(page.get_by_role("link", name=self.second_ref, exact=True).count() == 0, "the search found another action")
        self.axe(page, "public: search results")
        self.shot(page, "09-public-search")
        self.activate(page, page.get_by_role("link", name=self.first_ref, exact=True))
        check(page.get_by_text("Highworth Grammar School").count() >= 1, "the public action lacks its response")
        check(page.get_by_text("Signed in as").count() == 0, "the public page shows who is signed in")
        self.axe(page, "public: an action and its response")
        self.shot(page, "10-public-action")
        due = page.locator(".govuk-summary-list__row", has_text="Due")
        self.activate(page, due.get_by_role("link"))
        check(page.get_by_text("Action log").count() >= 1, "not the public meeting page")
        self.axe(page, "public: a meeting's action log")
        exempt = page.get_by_role("link", name=self.second_ref, exact=True)
        check(exempt.count() == 1, f"{self.second_ref} is not in the public action log")
        self.activate(page, exempt)
        check(page.get_by_text("exempt from publication under paragraph 3").count() == 1, "no exemption notice")
        check(page.get_by_text("Thanet").count() == 0, "the exempt action's description is public")
        self.axe(page, "public: an exempt action")
        csv = playwright.request.new_context(base_url=self.base)
        r = csv.get(f"/api/v1/public/committees/{committee_id}/actions.csv")
        # The exempt action's description (another, public action also names Thanet).
        hidden = "response time figures by month"
        check(r.ok and self.first_ref in r.text() and hidden not in r.text(), f"the CSV is wrong: {r.status}")
        csv.dispose()
        ctx.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--screenshots", help="a directory for full-page PNGs of the main pages")
    args = parser.parse_args()
    story = Story(args.base, args.screenshots)
    with sync_playwright() as p:
        try:
            story.run(p)
        except (StoryFailed, PlaywrightError) as e:
            print(f"\nFAILED: {e}", file=sys.stderr)
            if story.problems:
                print("also seen: " + "; ".join(story.problems), file=sys.stderr)
            print(f"{len(story.checked)} passed, 1 failed")
            return 1
    elapsed = time.monotonic() - story.started
    print(f"\n{len(story.checked)} pages checked with axe-core ({', '.join(AXE_TAGS)}): 0 violations; {elapsed:.1f} s")
    print(f"{len(story.checked)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
