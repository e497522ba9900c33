"""Drives one headless Chromium through Selenium for the browser tests.

Usage: browser.py --profile DIR [--javascript on|off] [--timezone ZONE]

Started by BrowserSession (Browser.swift); it makes its own process group, with
Debian's /usr/bin/python3 (python3-selenium), /usr/bin/chromium and
/usr/bin/chromedriver. It prints {"ready": true} (or {"error": ...}) as its
first line, then reads one JSON command per line on standard input and
answers each with one JSON line: {"ok": true, ...} or {"ok": false,
"error": "..."}. When standard input closes (the test finished, failed or
died) it quits Chromium and chromedriver and exits; the Swift side then
kills the whole process group in case anything is left.

Commands ("cmd"):
  get URL                      open a page; answers the page (below)
  fill FIELDS                  {"fields": {"id or name": value}}: text is typed
                               into inputs and textareas, a select gets the
                               option with that value, a checkbox is set to
                               a bool, a radio group picks the value
  click SELECTOR               clicks the element (CSS) and waits for the
                               next page; answers it
  page                         the current page again
  value SELECTOR               the element's current value (a form field)
  text SELECTOR                the rendered text of the first element that
                               matches ("" when none does)
  wait SELECTOR                waits until an element matches (a page that
                               submits itself), then answers the page
  screenshot PATH WIDTH        the whole page at WIDTH px into PATH (PNG);
                               answers the page's content width
  audit                        accessibility problems of the page (a list)
  quit                         ends the session

A page is {"url", "title", "status", "headers", "html", "text", "links"}:
"status", "headers" and "html" are the HTTP status, the response headers
and the body exactly as the server sent them (from Chromium's network log), "text" the rendered text of <body>,
"links" the page's links as [text, href].
"""
import argparse
import base64
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGE_TIMEOUT = 60

# The accessibility check run in the page (through the driver, so it works
# with the page's own JavaScript switched off): every field a person fills
# has a label, there is exactly one h1, and <html> has a lang.
AUDIT = r"""
const problems = [];
const lang = document.documentElement.getAttribute('lang');
if (!lang || !lang.trim()) problems.push('<html> has no lang attribute');
const h1s = document.querySelectorAll('h1').length;
if (h1s !== 1) problems.push(h1s + ' h1 elements (want exactly one)');
for (const field of document.querySelectorAll('input, select, textarea')) {
  const type = (field.getAttribute('type') || '').toLowerCase();
  if (field.tagName === 'INPUT' && ['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
  const name = field.tagName.toLowerCase() + (field.name ? '[name=' + field.name + ']' : '') + (field.id ? '#' + field.id : '');
  const aria = (field.getAttribute('aria-label') || '').trim();
  let labelled = aria.length > 0;
  if (!labelled && field.id) {
    for (const label of document.querySelectorAll('label[for]')) {
      if (label.getAttribute('for') === field.id && label.textContent.trim().length > 0) labelled = true;
    }
  }
  if (!labelled) problems.push(name + ' has no <label for> and no aria-label');
}
for (const image of document.querySelectorAll('img')) {
  if (!image.hasAttribute('alt')) problems.push('an <img> without alt: ' + image.getAttribute('src'));
}
for (const button of document.querySelectorAll('button')) {
  if (!button.textContent.trim() && !(button.getAttribute('aria-label') || '').trim()) problems.push('a <button> without text');
}
return problems;
"""


def say(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


class Session:
    def __init__(self, profile, javascript, timezone):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                         "--disable-background-networking", "--disable-sync", "--disable-component-update",
                         "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=en-US",
                         "--user-data-dir=" + os.path.join(profile, "chromium"), "--window-size=1280,900"]:
            options.add_argument(argument)
        if not javascript:
            options.add_argument("--blink-settings=scriptEnabled=false")
        # The network log gives each document's status and body as sent.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        environment = dict(os.environ)
        if timezone:
            environment["TZ"] = timezone
        service = Service(CHROMEDRIVER, env=environment, log_output=os.path.join(profile, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(PAGE_TIMEOUT)
        self.documents = []
        self.requests = []

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass

    def network(self):
        """Records the documents Chromium received since the last call: (requestId, url, status)."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
                continue
            if message.get("method") != "Network.responseReceived":
                continue
            params = message["params"]
            if params.get("type") != "Document":
                continue
            response = params["response"]
            self.documents.append((params["requestId"], response.get("url"), response.get("status"),
                                   {k.lower(): v for k, v in (response.get("headers") or {}).items()}))

    def page(self):
        driver = self.driver
        self.network()
        status, html, headers = None, None, {}
        current = driver.current_url
        for request_id, url, code, sent in reversed(self.documents):
            if url == current or url.split("#")[0] == current.split("#")[0]:
                status, headers = code, sent
                try:
                    body = driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
                    html = body.get("body")
                except WebDriverException:
                    html = None
                break
        if html is None:
            html = driver.page_source
        links = []
        for link in driver.find_elements(By.CSS_SELECTOR, "a[href]"):
            links.append([link.text, link.get_attribute("href")])
        try:
            text = driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            text = ""
        requests, self.requests = self.requests, []
        console = [entry.get("message", "") for entry in driver.get_log("browser")
                   if entry.get("level") in ("SEVERE", "WARNING")]
        return {"url": current, "title": driver.title, "status": status, "headers": headers, "html": html, "text": text,
                "links": links, "requests": requests, "console": console}

    def wait_loaded(self):
        WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def find(self, key):
        for by in (By.ID, By.NAME):
            found = self.driver.find_elements(by, key)
            if found:
                return found
        raise LookupError(f"no field with id or name {key!r} on {self.driver.current_url}")

    def fill(self, fields):
        for key, value in fields.items():
            elements = self.find(key)
            element = elements[0]
            tag = element.tag_name.lower()
            kind = (element.get_attribute("type") or "").lower()
            if tag == "select":
                # An <option> without a value attribute has its text as its value.
                choice = Select(element)
                try:
                    choice.select_by_value(str(value))
                except NoSuchElementException:
                    choice.select_by_visible_text(str(value))
            elif kind == "radio":
                matching = [e for e in elements if e.get_attribute("value") == str(value)]
                if not matching:
                    raise LookupError(f"no radio button {key!r} with value {value!r}")
                matching[0].click()
            elif kind == "checkbox":
                if element.is_selected() != bool(value):
                    element.click()
            elif kind in ("time", "date"):
                # Typing into these depends on the locale's format: set the value as a person's picker would.
                self.driver.execute_script(
                    "arguments[0].value = arguments[1];"
                    "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                    "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, str(value))
            else:
                element.clear()
                element.send_keys(str(value))

    @staticmethod
    def gone(element):
        """Whether `element` belongs to a document that was replaced (chromedriver
        says so with a stale reference, or with "Node ... does not belong to the document")."""
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True

    def click(self, selector):
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, selector).click()
        WebDriverWait(self.driver, PAGE_TIMEOUT).until(lambda d: self.gone(old))
        self.wait_loaded()
        return self.page()

    def screenshot(self, path, width):
        driver = self.driver
        driver.set_window_size(width, 667 if width < 800 else 800)
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        content = metrics.get("cssContentSize") or metrics["contentSize"]
        viewport = metrics.get("cssLayoutViewport") or metrics["layoutViewport"]
        height = max(int(content["height"]), 200)
        # The whole page, not only the first screen.
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": int(viewport["clientWidth"]), "height": height, "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        scroll_width = driver.execute_script("return document.documentElement.scrollWidth")
        driver.set_window_size(1280, 900)
        return {"contentWidth": scroll_width, "viewportWidth": int(viewport["clientWidth"]), "height": height}

    def run(self, command):
        name = command.get("cmd")
        if name == "get":
            self.driver.get(command["url"])
            self.wait_loaded()
            return self.page()
        if name == "fill":
            self.fill(command["fields"])
            return {}
        if name == "click":
            return self.click(command["selector"])
        if name == "page":
            return self.page()
        if name == "value":
            element = self.driver.find_element(By.CSS_SELECTOR, command["selector"])
            return {"value": element.get_property("value")}
        if name == "text":
            found = self.driver.find_elements(By.CSS_SELECTOR, command["selector"])
            return {"text": found[0].text if found else ""}
        if name == "wait":
            WebDriverWait(self.driver, PAGE_TIMEOUT).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, command["selector"]))
            self.wait_loaded()
            return self.page()
        if name == "screenshot":
            return self.screenshot(command["path"], int(command["width"]))
        if name == "audit":
            return {"problems": self.driver.execute_script(AUDIT)}
        raise ValueError(f"unknown command {name!r}")


def main():
    # Its own process group, which chromedriver and Chromium join: the Swift
    # side kills the group, whatever is left, when the session ends.
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", required=True)
    parser.add_argument("--javascript", choices=["on", "off"], default="on")
    parser.add_argument("--timezone")
    arguments = parser.parse_args()
    try:
        session = Session(arguments.profile, arguments.javascript == "on", arguments.timezone)
    except Exception as error:
        say({"error": f"cannot start chromium through chromedriver: {error}"})
        return 1
    say({"ready": True, "group": os.getpgid(0)})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            if command.get("cmd") == "quit":
                say({"ok": True})
                break
            try:
                answer = session.run(command)
                answer["ok"] = True
            except Exception as error:
                answer = {"ok": False, "error": f"{type(error).__name__}: {error}".strip()}
            say(answer)
    finally:
        session.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
