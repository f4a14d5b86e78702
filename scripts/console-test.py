"""The order console in a real browser: headless Chromium, driven through WebDriver by selenium.

Run by scripts/console-test.sh, which starts the gateway and passes CONSOLE_BASE_URL, CONSOLE_TOKEN (a development
token of subject `console-test`), CONSOLE_SCREENSHOTS and CONSOLE_WEBHOOK_PORT, where this script runs the webhook the
gateway posts events to. Each step acts on the page as an operator would and checks what the page then shows. Steps
that need routes this service does not offer yet (the route answers 404 route_not_found) are skipped, saying so.
"""

import copy
import http.server
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = os.environ["CONSOLE_BASE_URL"]
TOKEN = os.environ["CONSOLE_TOKEN"]
SCREENSHOTS = os.environ["CONSOLE_SCREENSHOTS"]
ORDER = json.load(open("fixtures/bodies/order.json"))


class Webhook(http.server.ThreadingHTTPServer):
    """The webhook: answers `status` to every event (503 at first, so that events have failed attempts to show), and
    410 Gone, which makes an event dead at once, to the events of the orders in `dead_orders`."""

    def __init__(self, port):
        self.status = 503
        self.dead_orders = {"ORD-C3"}
        self.received = []
        super().__init__(("127.0.0.1", port), WebhookHandler)


class WebhookHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        self.server.received.append(event)
        self.send_response(410 if event.get("subject") in self.server.dead_orders else self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


def call(method, path, body=None, headers=None):
    """The API without the browser: (status, headers, JSON body)."""
    sent = {"Authorization": f"Bearer {TOKEN}", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"null")


def create_order(order_id, city, country):
    body = copy.deepcopy(ORDER)
    body["id"] = order_id
    body["shipping_address"]["city"] = city
    body["shipping_address"]["country"] = country
    status, _, answer = call("POST", "/order", body)
    assert status == 201, f"creating {order_id}: {status} {answer}"


def route_missing(method, path, body=None):
    """Whether the service lacks this route: the gateway answers 404 route_not_found."""
    status, _, answer = call(method, path, body)
    return status == 404 and isinstance(answer, dict) and answer.get("code") == "route_not_found"


def skip(step, why):
    print(f"console-test: SKIPPED {step}: {why}")


def eventually(check, what, seconds=15):
    """Waits until `check()` holds: deliveries run after the answer that caused them."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def main():
    webhook = Webhook(int(os.environ["CONSOLE_WEBHOOK_PORT"]))
    threading.Thread(target=webhook.serve_forever, daemon=True).start()
    create_order("ORD-C1", "Madrid", "ES")
    create_order("ORD-C2", "Madrid", "ES")
    create_order("ORD-C3", "Lyon", "FR")

    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1500,1300", "--lang=en-GB"]:
        options.add_argument(argument)
    # The viewer's zone is not UTC, so that times shown in it differ from the API's.
    os.environ["TZ"] = "Europe/Madrid"
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(browser, 15)
    shot = lambda name: browser.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))
    page_text = lambda: browser.find_element(By.TAG_NAME, "body").text
    notice = lambda: browser.find_element(By.ID, "notice").text

    def wait_notice(fragment):
        wait.until(lambda _: fragment in notice(), f"notice saying {fragment!r}; it says {notice()!r}")

    def order_rows():
        return browser.execute_script(
            "return [...document.querySelectorAll('#orders tbody tr[data-order-id]')].map((row) => row.dataset.orderId)")

    try:
        browser.get(BASE + "/console")
        assert browser.title == "Order console", browser.title
        assert "No token" in browser.find_element(By.ID, "token-state").text
        assert "Times in Europe/Madrid" in page_text()
        print("console-test: the page loads without a token, and names the viewer's time zone")

        # Without a token every call is refused, with the gateway's message.
        browser.find_element(By.ID, "apply-filters").click()
        wait_notice("Listing orders refused: Unauthorized")
        print("console-test: a call without a token shows the gateway's 401 message")

        browser.find_element(By.ID, "token").send_keys(TOKEN)
        browser.find_element(By.ID, "token-save").click()
        assert "A token is in use" in browser.find_element(By.ID, "token-state").text
        assert browser.execute_script("return sessionStorage.getItem('order-console-token')") == TOKEN
        assert browser.find_element(By.ID, "token").get_attribute("value") == ""

        browser.find_element(By.ID, "apply-filters").click()
        wait.until(lambda _: sorted(order_rows()) == ["ORD-C1", "ORD-C2", "ORD-C3"], "every order listed")
        browser.find_element(By.ID, "f-city").send_keys("Madrid")
        browser.find_element(By.ID, "apply-filters").click()
        wait.until(lambda _: sorted(order_rows()) == ["ORD-C1", "ORD-C2"], "the Madrid orders only")
        label = browser.find_element(By.CSS_SELECTOR, "#orders tbody tr .label")
        assert "status-pending_confirmation" in label.get_attribute("class"), label.get_attribute("class")
        shot("1-orders-filtered")
        print("console-test: filtering by shipping city lists the two Madrid orders, with coloured status labels")

        # Pages: one order per page, followed by next_cursor.
        Select(browser.find_element(By.ID, "f-limit")).select_by_visible_text("10")
        browser.execute_script("document.getElementById('f-limit').add(new Option('1', '1', true, true))")
        browser.find_element(By.ID, "apply-filters").click()
        wait.until(lambda _: len(order_rows()) == 1 and "Page 1" in browser.find_element(By.ID, "page-info").text)
        first = order_rows()[0]
        browser.find_element(By.ID, "next-page").click()
        wait.until(lambda _: "Page 2" in browser.find_element(By.ID, "page-info").text and order_rows() != [first])
        assert sorted([first] + order_rows()) == ["ORD-C1", "ORD-C2"], order_rows()
        print("console-test: the next page follows next_cursor")

        # One order.
        browser.find_element(By.CSS_SELECTOR, "#orders tbody tr[data-order-id]").click()
        opened = order_rows()[0]
        wait.until(EC.text_to_be_present_in_element((By.ID, "order-heading"), f"Order {opened}"))
        wait.until(lambda _: len(browser.find_elements(By.CSS_SELECTOR, "#events tbody tr[data-event-id]")) == 1)
        lines = browser.find_elements(By.CSS_SELECTOR, "#lines tbody tr")
        assert [row.find_element(By.TAG_NAME, "td").text for row in lines] == ["BIKE-HELMET-M", "BIKE-LIGHT-SET"]
        assert "Calle Mayor 1" in browser.find_element(By.ID, "shipping-address").text
        assert "Madrid" in browser.find_element(By.ID, "shipping-address").text
        history = browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")
        assert len(history) == 1 and "console-test" in history[0].text, [row.text for row in history]
        _, _, stored = call("GET", f"/order/{opened}")
        shown = browser.find_element(By.CSS_SELECTOR, "#history tbody time")
        assert shown.get_attribute("datetime") == stored["status_history"][0]["entered_at"]
        event = browser.find_element(By.CSS_SELECTOR, "#events tbody tr[data-event-id]")
        assert "pending" in event.text and "order added" in event.text, event.text
        # The webhook answers 503: one failed attempt, its answer and the next attempt are shown.
        cells = event.find_elements(By.TAG_NAME, "td")
        assert cells[2].text == "1", cells[2].text
        assert cells[3].text not in ("", "—"), "the last error is shown"
        assert cells[4].find_elements(By.TAG_NAME, "time"), "the next attempt is shown"
        print(f"console-test: order {opened} shows its lines, addresses, history with its actor, and its event")

        # Move it on, with If-Match.
        advance = browser.find_element(By.ID, "advance")
        assert advance.text == "Move to confirmed", advance.text
        advance.click()
        wait_notice(f"Order {opened} is now confirmed")
        wait.until(lambda _: len(browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")) == 2)
        assert "status-confirmed" in browser.find_element(By.CSS_SELECTOR, "#order-status .label").get_attribute("class")
        wait.until(lambda _: len(browser.find_elements(By.CSS_SELECTOR, "#events tbody tr[data-event-id]")) == 2)
        assert browser.find_element(By.ID, "advance").text == "Move to sent to warehouse"
        shot("2-order-confirmed")
        print(f"console-test: moving {opened} on confirms it; its history and events grow")

        # Someone else moves it on: the page's ETag is stale, and the API's refusal is shown.
        status, headers, _ = call("GET", f"/order/{opened}")
        status, _, answer = call("PUT", f"/order/{opened}/status", {"status": "sent_to_warehouse"},
                                 {"If-Match": headers["ETag"]})
        assert status == 200, answer
        browser.find_element(By.ID, "advance").click()
        status, _, refusal = call("PUT", f"/order/{opened}/status", {"status": "sent_to_warehouse"}, {"If-Match": '"2"'})
        assert status == 412, (status, refusal)
        wait_notice(refusal["message"])
        assert "failure" in browser.find_element(By.ID, "notice").get_attribute("class")
        shot("3-refusal")
        print(f"console-test: a stale ETag shows the API's refusal: {refusal['message']}")

        # Cancellation, once the service offers it.
        cancel_probe = route_missing("POST", "/order/ORD-NONE/cancel", {})
        if cancel_probe:
            skip("cancel", "POST /order/{id}/cancel answers 404 route_not_found")
        else:
            browser.find_element(By.ID, "order-id").clear()
            browser.find_element(By.ID, "order-id").send_keys("ORD-C2")
            browser.find_element(By.ID, "open-order-button").click()
            wait.until(EC.text_to_be_present_in_element((By.ID, "order-heading"), "Order ORD-C2"))
            browser.find_element(By.ID, "cancel-reason").send_keys("customer_request")
            browser.find_element(By.ID, "cancel-note").send_keys("asked by phone")
            browser.find_element(By.ID, "cancel-order").click()
            wait_notice("Order ORD-C2 is cancelled")
            wait.until(lambda _: "customer" in browser.find_element(By.ID, "cancellation").text)
            assert "status-cancelled" in browser.find_element(By.CSS_SELECTOR, "#order-status .label").get_attribute("class")
            assert not browser.find_element(By.ID, "advance").is_enabled(), "a cancelled order has no next status"
            assert not browser.find_element(By.ID, "cancel-order").is_enabled()
            shot("4-cancelled")
            print("console-test: cancelling ORD-C2 shows its cancellation")

        # Events across orders: ORD-C3's event was refused with 410, so it is dead; the others wait for a retry.
        def listed():
            return browser.execute_script(
                "return [...document.querySelectorAll('#all-events tbody tr[data-event-id]')]"
                ".map((row) => [row.cells[0].innerText, row.dataset.state])")

        def show_events(state):
            Select(browser.find_element(By.ID, "e-state")).select_by_value(state)
            browser.find_element(By.ID, "load-events").click()

        show_events("pending")
        wait.until(lambda _: len(listed()) >= 3 and all(state == "pending" for _, state in listed()), "pending events")
        assert "ORD-C3" not in [order for order, _ in listed()], listed()
        show_events("dead")
        wait.until(lambda _: listed() == [["ORD-C3", "dead"]], f"ORD-C3's dead event; the page lists {listed()}")
        assert browser.find_elements(By.CSS_SELECTOR, "#all-events tbody tr.dead"), "a dead event's row is marked"
        shot("5-dead-events")
        print("console-test: GET /events lists the pending events of every order, and ORD-C3's dead one")

        # Redeliver it from the list, with the webhook now accepting: it is delivered, under the same id.
        webhook.status = 204
        webhook.dead_orders.clear()
        dead_id = browser.find_element(By.CSS_SELECTOR, "#all-events tbody tr[data-event-id]").get_attribute("data-event-id")
        browser.find_element(By.CSS_SELECTOR, f"#all-events tr[data-event-id='{dead_id}'] button.redeliver").click()
        wait_notice(f"Event {dead_id} of order ORD-C3 will be delivered again")
        wait.until(lambda _: listed() == [], "the dead list is empty once the event is pending")
        assert "No dead events." in browser.find_element(By.ID, "all-events").text
        eventually(lambda: [event.get("id") for event in webhook.received].count(dead_id) == 2,
                   "the redelivered event at the webhook, under its id")

        def delivered_listed():
            show_events("delivered")
            time.sleep(0.3)
            return ["ORD-C3", "delivered"] in listed()

        eventually(delivered_listed, "ORD-C3's event among the delivered ones")
        browser.find_element(By.ID, "order-id").clear()
        browser.find_element(By.ID, "order-id").send_keys("ORD-C3")
        browser.find_element(By.ID, "open-order-button").click()
        row = wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, f"#events tbody tr[data-event-id='{dead_id}'][data-state='delivered']")))
        assert "dead" not in (row.get_attribute("class") or ""), row.get_attribute("class")
        assert row.find_elements(By.TAG_NAME, "td")[2].text == "1", "a fresh round of attempts: the first delivered it"
        shot("6-redelivered")
        print("console-test: redelivering ORD-C3's dead event from the page delivers it; the page shows it delivered")

        # Every dead event at once: ORD-C4's event is refused for good, then the page sends it again.
        webhook.dead_orders.add("ORD-C4")
        create_order("ORD-C4", "Porto", "PT")
        eventually(lambda: [event["order_id"] for event in call("GET", "/events?state=dead")[2]["events"]] == ["ORD-C4"],
                   "ORD-C4's event dead")
        show_events("dead")
        wait.until(lambda _: listed() == [["ORD-C4", "dead"]], f"ORD-C4's dead event; the page lists {listed()}")
        browser.find_element(By.ID, "redeliver-dead").click()
        wait_notice("1 dead event will be delivered again.")
        wait.until(lambda _: listed() == [], "no dead event left")
        show_events("pending")
        wait.until(lambda _: ["ORD-C4", "pending"] in listed(), f"ORD-C4's event pending; the page lists {listed()}")
        print("console-test: redelivering every dead event makes ORD-C4's pending again")

        # Forgetting the token: the next call is refused again.
        browser.find_element(By.ID, "token-forget").click()
        assert browser.execute_script("return sessionStorage.getItem('order-console-token')") is None
        shot("7-final")
        print(f"console-test: passed; screenshots in {SCREENSHOTS}")
    except Exception:
        shot("failure")
        print(f"console-test: failed; the page said: {page_text()[:2000]}", file=sys.stderr)
        raise
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
