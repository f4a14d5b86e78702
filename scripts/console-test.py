"""The order console in a real browser: headless Chromium, driven through WebDriver by selenium.

Run by scripts/console-test.sh, which starts the gateway and passes CONSOLE_BASE_URL, CONSOLE_TOKEN (a development
token of subject `console-test`) and CONSOLE_SCREENSHOTS. Each step acts on the page as an operator would and checks
what the page then shows. Steps that need routes this service does not offer yet (the route answers 404
route_not_found) are skipped, saying so.
"""

import copy
import json
import os
import sys
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


def main():
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
        # The webhook's port refuses connections: one failed attempt, its error and the next attempt are shown.
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

        # Events across orders, and redelivery, once the service offers them.
        if route_missing("GET", "/events?state=dead"):
            skip("events across orders", "GET /events answers 404 route_not_found")
        else:
            Select(browser.find_element(By.ID, "e-state")).select_by_value("pending")
            browser.find_element(By.ID, "load-events").click()
            wait.until(lambda _: len(browser.find_elements(By.CSS_SELECTOR, "#all-events tbody tr[data-event-id]")) >= 3)
            print("console-test: GET /events lists the pending events of every order")
        if route_missing("POST", "/order/ORD-NONE/events/evt_00000000000000000000000000/redeliver"):
            skip("redeliver", "POST /order/{id}/events/{event_id}/redeliver answers 404 route_not_found")
        else:
            _, _, listed = call("GET", "/events?state=dead")
            dead = (listed or {}).get("events") or []
            if not dead:
                skip("redeliver", "no event is dead in this run")
            else:
                target = dead[0]
                browser.find_element(By.ID, "order-id").clear()
                browser.find_element(By.ID, "order-id").send_keys(target["order_id"])
                browser.find_element(By.ID, "open-order-button").click()
                row = wait.until(EC.presence_of_element_located(
                    (By.CSS_SELECTOR, f"#events tr.dead[data-event-id='{target['id']}']")))
                row.find_element(By.CSS_SELECTOR, "button.redeliver").click()
                wait_notice(f"Event {target['id']} of order {target['order_id']} will be delivered again")
                print("console-test: redelivering a dead event makes it pending again")

        # Forgetting the token: the next call is refused again.
        browser.find_element(By.ID, "token-forget").click()
        assert browser.execute_script("return sessionStorage.getItem('order-console-token')") is None
        shot("5-final")
        print(f"console-test: passed; screenshots in {SCREENSHOTS}")
    except Exception:
        shot("failure")
        print(f"console-test: failed; the page said: {page_text()[:2000]}", file=sys.stderr)
        raise
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
