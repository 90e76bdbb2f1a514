"""Every view in a real browser, in Chinese and in English: sign in, open each view from the sidebar, use one
control on it, and fail on any Streamlit exception box, browser console error or uncaught page error. A
full-page screenshot of each view goes to tests/artifacts/<view>-<lang>.png (git-ignored) for a person to
look at; the time each view took is printed (`pytest -s -m browser tests/test_browser_views.py`).

One browser session visits the eight views in Chinese, switches the language in the sidebar and visits them
again in English, on the app `make run` starts (`streamlit run app/streamlit_app.py`, serving a copy of the
small demo store on a free port). The server, the Chromium page and the skip/fail rules (skip without
Chromium, fail in CI) come from tests/test_browser.py. The app is made to ask for an account, as it does when
served beyond localhost, and `sign_in` below is the one place that signs in.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from tests.test_browser import chromium_page, server  # noqa: F401 - `server` is a fixture used below

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LANGS = ("zh", "en")
SLOW = 120_000  # ms: the first visit of a view computes its model or briefing on 2 shared cores
QUICK = 30_000


# --- signing in: the one place the suite signs in ----------------------------------------------------------

ACCOUNT = ("browser-admin", "correct horse battery staple")  # added to the server's store copy by the test


def sign_in(page, account: tuple[str, str] = ACCOUNT) -> None:
    """Sign in when the app asks; return at once when it does not (on localhost, by default, it does not).

    Waits for either the app's navigation or the sign-in form (app/signin.py: a user name and a password in a
    form), fills the form in and waits for the navigation.
    """
    page.locator("[data-testid='stSidebarNav'], input[type='password']").first.wait_for(timeout=SLOW)
    if page.locator("input[type='password']").count() == 0:
        return
    form = page.locator("[data-testid='stForm']").filter(has=page.locator("input[type='password']")).first
    form.locator("input[type='text']").first.fill(account[0])
    form.locator("input[type='password']").fill(account[1])
    form.locator("[data-testid='stFormSubmitButton'] button").click()
    nav = page.locator("[data-testid='stSidebarNav']")
    nav.or_(form.locator("[data-testid='stAlert']")).first.wait_for(timeout=SLOW)
    assert nav.is_visible(), "sign-in refused: " + " ".join(form.locator("[data-testid='stAlert']").all_inner_texts())


# --- waiting on Streamlit --------------------------------------------------------------------------------

RUN_STATE = "document.querySelector(\"[data-testid='stApp']\")?.dataset.testScriptState"


def idle(page, timeout: int = SLOW) -> None:
    """Wait until no script run is going on (the app root says `notRunning`)."""
    page.wait_for_function(f"() => {RUN_STATE} === 'notRunning'", timeout=timeout)


def settled(page, timeout: int = SLOW) -> None:
    """After a click: wait for the script run it starts, then until that run has finished."""
    try:  # the run starts a moment after the click, or is over already when it was quick
        page.wait_for_function(f"() => {RUN_STATE} !== 'notRunning'", timeout=1_500)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: nothing to wait for
        pass
    idle(page, timeout)


def text(page, words: str, timeout: int = SLOW):
    """Wait for `words` to show in the main area and return them; stop early at an exception box."""
    found = page.locator("[data-testid='stMain']").get_by_text(words).first
    found.or_(page.locator("[data-testid='stException']")).first.wait_for(timeout=timeout)
    if not found.is_visible():
        raise AssertionError(f"an exception box instead of {words!r}")
    return found


def widget(page, testid: str, label: str):
    """The widget of a kind (`stSelectbox`, `stSlider`, `stRadio`…) whose label is `label`."""
    return page.locator(f"[data-testid='{testid}']").filter(
        has=page.locator("[data-testid='stWidgetLabel']", has_text=label)).first


def choose(page, label: str, index: int = 1) -> str:
    """Open the selectbox labelled `label`, pick its `index`-th option, return the option's text."""
    box = widget(page, "stSelectbox", label).locator("[role='combobox']")
    # scrolled into view first: a list opened while the page still scrolls closes again (below a tall map, say)
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box.click()
    option = page.locator("[role='option']").nth(index)
    picked = option.inner_text().strip()
    option.click()
    settled(page)
    assert box.input_value() == picked, (label, box.input_value(), picked)
    return picked


def click_radio(page, option: str, scope: str = "stMain") -> None:
    page.locator(f"[data-testid='{scope}'] [data-testid='stRadio'] label").filter(has_text=option).first.click()
    settled(page)


def nudge_slider(page, label: str) -> str:
    """Move the slider labelled `label` one step right with the keyboard; returns the value it shows."""
    thumb = widget(page, "stSlider", label).locator("input[type='range']")
    before = thumb.input_value()
    thumb.focus()
    thumb.press("ArrowRight")
    settled(page)
    after = thumb.input_value()
    assert after != before, (label, before, after)
    return after


# --- one control per view ---------------------------------------------------------------------------------

def overview(page, lang: str) -> None:
    """Pick another week in the sidebar; the summary sentence follows it. (The chosen week is kept across
    views and languages, so the English pass picks a different week from the Chinese one.)"""
    sentence = text(page, "共受理工单" if lang == "zh" else "the centre received").inner_text()
    choose(page, "统计周" if lang == "zh" else "Week", index=1 if lang == "zh" else 2)
    page.wait_for_function("old => !document.body.innerText.includes(old)", arg=sentence, timeout=QUICK)
    click_the_map(page)


def received(page) -> int:
    return int(page.locator("[data-testid='stMetricValue']").first.inner_text().replace(",", ""))


def click_the_map(page) -> None:
    """Click the district map's middle: the page narrows to that street; a double click outside the district
    (the map's bottom-left corner) clears the filter again."""
    drawn(page)
    whole = received(page)
    chart = page.locator("[data-testid='stVegaLiteChart']").first  # the map comes first
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.46, box["y"] + box["height"] * 0.55)
    page.wait_for_function("n => +document.querySelector(\"[data-testid='stMetricValue']\").innerText"
                           ".replace(/,/g, '') < n", arg=whole, timeout=QUICK)
    page.mouse.dblclick(box["x"] + 4, box["y"] + box["height"] - 4)
    page.wait_for_function("n => +document.querySelector(\"[data-testid='stMetricValue']\").innerText"
                           ".replace(/,/g, '') == n", arg=whole, timeout=QUICK)
    settled(page)


def compare(page, lang: str) -> None:
    """Switch from two streets to one street in two periods; the note naming the previous period shows."""
    text(page, "总体情况" if lang == "zh" else "Totals")
    click_radio(page, "同一镇街两个时段" if lang == "zh" else "One street in two periods")
    text(page, "上期为本期之前" if lang == "zh" else "The previous period is")


def forecast(page, lang: str) -> None:
    """Switch the level to by-street."""
    text(page, "预测层级" if lang == "zh" else "Horizon (days)")
    click_radio(page, "按镇街" if lang == "zh" else "By street")
    text(page, "预警" if lang == "zh" else "Early warnings")


def staffing(page, lang: str) -> None:
    """Run the simulation (the last full quarter of history, a few seconds on the small store)."""
    text(page, "① 工单来源" if lang == "zh" else "① Tickets")
    page.get_by_role("button", name="运行模拟" if lang == "zh" else "Run the simulation").click()
    settled(page)
    text(page, "模拟结果" if lang == "zh" else "Simulation results")


def satisfaction(page, lang: str) -> None:
    """Cut the share of repeat callers by 10 % in the what-if; the projection follows."""
    text(page, "按模型估计的满意率" if lang == "zh" else "Satisfaction as the model estimates it")
    assert nudge_slider(page, "重复来电工单占比降低" if lang == "zh" else "Share of repeat callers cut by") == "10"
    text(page, "按模型估计的满意率" if lang == "zh" else "Satisfaction as the model estimates it")


def key_problems(page, lang: str) -> None:
    """Look at the second entry of the key-problem list."""
    text(page, "重点问题清单" if lang == "zh" else "Key-problem list")
    assert choose(page, "查看条目" if lang == "zh" else "Entry").startswith("2.")


def briefing(page, lang: str) -> None:
    """Make the four download files (a few seconds; choosing another week would build a whole new briefing,
    the slowest step of the suite); their download buttons appear."""
    button = "生成下载文件" if lang == "zh" else "Make the files"
    text(page, button)
    page.get_by_role("button", name=button).click()
    settled(page)
    downloads = page.locator("[data-testid='stDownloadButton']")
    downloads.nth(3).wait_for(timeout=SLOW)
    assert downloads.count() == 4, downloads.all_inner_texts()
    assert page.get_by_role("button", name=button).count() == 0  # the button gave way to the downloads


def data(page, lang: str) -> None:
    """Switch to the data-quality section."""
    text(page, "上传工单导出文件" if lang == "zh" else "Upload an export")
    click_radio(page, "数据质量" if lang == "zh" else "Data quality")
    text(page, "下载表格（CSV）" if lang == "zh" else "Download table (CSV)")


@dataclass(frozen=True)
class View:
    name: str  # the screenshot's name
    title: tuple[str, str]  # the sidebar link and the page title, in Chinese and in English
    use: Callable


VIEWS = (View("overview", ("总览", "Overview"), overview),
         View("compare", ("对比", "Compare"), compare),
         View("forecast", ("预测", "Forecast"), forecast),
         View("staffing", ("人员配置", "Staffing"), staffing),
         View("satisfaction", ("满意度", "Satisfaction"), satisfaction),
         View("key-problems", ("重点问题", "Key problems"), key_problems),
         View("briefing", ("周报", "Briefing"), briefing),
         View("data", ("数据导入", "Data"), data))


def open_view(page, title: str) -> None:
    """Click the view's sidebar link (each view's own URL is `test_every_view_opens_at_its_own_url`)."""
    link = page.locator("[data-testid='stSidebarNavLink']").filter(has_text=title).first
    if link.get_attribute("aria-current") != "page":
        link.click()
    page.locator("[data-testid='stMain'] h1").filter(has_text=title).first.wait_for(timeout=SLOW)
    idle(page)


def exceptions(page) -> list[str]:
    return page.locator("[data-testid='stException']").all_inner_texts()


def drawn(page) -> None:
    """Wait until every chart has drawn itself (Vega-Lite draws after the script run has finished)."""
    page.wait_for_function("""() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
        .every(c => c.querySelector('canvas, svg'))""", timeout=QUICK)


def screenshot(page, name: str) -> None:
    """The whole view: the page scrolls inside Streamlit's main area, so grow the window to its height first."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 12_000)})
    try:
        drawn(page)
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    finally:
        page.set_viewport_size(size)


@pytest.fixture
def signin_required(monkeypatch):
    """Make the app ask for an account although it is served on localhost (requested before `server`)."""
    monkeypatch.setenv("CIVICDESK_REQUIRE_SIGNIN", "1")


def test_every_view_in_both_languages(signin_required, server, tmp_path):  # noqa: F811 - `server` imported above
    """Sign in, then every view in Chinese, switch the language, every view in English; one control on each."""
    from civicdesk import store
    from civicdesk.accounts import add_user

    store_copy = tmp_path / "demo.db"  # where the `server` fixture put the store the app serves
    assert store_copy.is_file()
    engine = store.connect(f"sqlite:///{store_copy}")
    add_user(engine, ACCOUNT[0], "admin", ACCOUNT[1])  # admin: every control of every view is allowed
    engine.dispose()

    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    timings: list[str] = []
    with chromium_page(height=1000) as (page, errors):
        # an uncaught exception in the page is not a console message for Playwright: collect it as well
        page.on("pageerror", lambda exc: errors.append(f"uncaught {exc.name}: {exc.message}"))
        started = time.perf_counter()
        page.goto(server)
        sign_in(page)
        text(page, "共受理工单")
        idle(page)
        timings.append(f"start and sign in {time.perf_counter() - started:5.1f} s")
        for i, lang in enumerate(LANGS):
            if lang == "en":  # switched on the last view: its links and title follow the language
                click_radio(page, "English", scope="stSidebar")
                page.locator("[data-testid='stMain'] h1").filter(has_text=VIEWS[-1].title[i]).wait_for(timeout=QUICK)
            for view in VIEWS:  # a view that fails is reported and screenshotted, and the next one still runs
                name, seen, started = f"{view.name}-{lang}", len(errors), time.perf_counter()
                try:
                    open_view(page, view.title[i])
                    view.use(page, lang)
                    idle(page)
                    drawn(page)
                except Exception as exc:  # noqa: BLE001 - a timeout or a failed check, reported below
                    problems.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                timings.append(f"{name:<22}{time.perf_counter() - started:5.1f} s")
                try:
                    screenshot(page, f"{name}.png")
                except Exception as exc:  # noqa: BLE001 - a chart that never drew
                    problems.append(f"{name}: screenshot: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                problems += [f"{name}: exception box: {e}" for e in exceptions(page)]
                problems += [f"{name}: console error: {e}" for e in errors[seen:]]
    print("\n".join(timings))  # shown with -s or -rP
    assert not problems, "\n".join(problems)


def test_every_view_opens_at_its_own_url(server):  # noqa: F811 - `server` imported above
    """Each view's URL, typed into a new tab, opens that view (its title, its sidebar link marked current)
    with no "Page not found" dialog, no exception box and no console error; / opens the Overview. The server
    redirects a view's path to the root naming the view (app/urls.py), so Streamlit's frontend never looks
    for itself under /<view>/_stcore/ (404s)."""
    problems: list[str] = []
    with chromium_page() as (first, _):
        for path, title in [("", "总览")] + [(view.name, view.title[0]) for view in VIEWS]:
            page = first.context.browser.new_page(viewport=first.viewport_size)  # a new context: a first visit
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc, errors=errors: errors.append(f"uncaught {exc.name}: {exc.message}"))
            try:
                page.goto(f"{server}/{path}")
                page.locator("[data-testid='stMain'] h1").filter(has_text=title).first.wait_for(timeout=SLOW)
                idle(page)
                current = page.locator("[data-testid='stSidebarNavLink'][aria-current='page']").all_inner_texts()
                if not any(title in c for c in current):
                    problems.append(f"/{path}: the sidebar marks {current}, not {title}")
                shown = "/" + ("" if path == "overview" else path)
                if page.url.removeprefix(server) != shown:
                    problems.append(f"/{path}: the address bar shows {page.url}")
            except Exception as exc:  # noqa: BLE001 - a timeout, reported below with the next checks
                problems.append(f"/{path}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
            if page.get_by_text("Page not found").count():
                problems.append(f"/{path}: Page not found")
            problems += [f"/{path}: exception box: {e}" for e in exceptions(page)]
            problems += [f"/{path}: console error: {e}" for e in errors]
            page.close()
    assert not problems, "\n".join(problems)
