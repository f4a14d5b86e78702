#!/usr/bin/python3
"""The fault matrix: every file-system operation of a request, failed once, each in its turn.

The function executables run as processes, as in production, against a data directory on faultfs
(scripts/faultfs.py), a passthrough FUSE mount that can fail the n-th operation of a kind. For each request below, a
dry run first counts the operations of each kind it makes (fsync, write, rename, mkdir, open, unlink, read); then,
for each kind and each position n, the same request runs again on a fresh copy of the same data directory with the
n-th operation of that kind failing, with EIO, ENOSPC or EROFS. Nothing here knows the store's file names or how many
operations it makes: the counts come from the dry run, so the matrix follows any change of the on-disk layout.

The requests: a create (client-chosen id), a status update, a cancellation, a create with an Idempotency-Key, a
delivery (dispatch-events, to a webhook that accepts every event), and two reads: an order, a listing. After each
failed attempt, it checks that

1. the request got a clear answer: success, or the error envelope with 507 storage_full for ENOSPC and 500
   internal_error otherwise (dispatch-events, an event function, exits non-zero with the error logged); a read that
   succeeds shows the order as acknowledged, never a 404, and a listing names any order it could not read as skipped;
2. a failed fsync was not trusted: the request failed, or the failure was logged as an error (work after the change
   is committed, such as completing an idempotency record, may fail without undoing an answer that is true);
3. no half state is readable: every order reads back whole, every JSON file in the data directory parses, and the
   listing shows exactly the orders that exist, each as its document has it: none that does not exist, none missed;
   so does the listing by each status, where an order that moved on is no longer listed under the status it left;
4. nothing acknowledged is lost: every order answered 2xx earlier reads back as answered, or, for the one order the
   failed request was about, as that request would have made it (a change committed before the failure);
5. once the fault is gone the same request succeeds (a create whose order was committed meets 409 order_exists
   with that very order stored; a key whose request was cut short is taken over once its lease ends), and reads
   back as answered;
6. every committed change has its event, delivered once the webhook is reachable, once (twice only when a delivery
   was cut short after the webhook accepted it: the README's at-least-once); no event for a change not committed;
7. `reindex` finds no index entry missing and no unreadable order;
8. the retry leaves no more for a power loss to take back than the same request under no fault: faultfs tracks each
   name made in a directory (mkdir, exclusive create, rename) until an fsync of the directory succeeds. What the dry
   run leaves unsynced (for any order) the store makes durable otherwise or needs no durability for; anything more
   is what the failed attempt made and could not sync, and the retry trusted. Such a durability gap is reported; it
   fails the run with --durability fail (as `make fault-matrix` runs it). A syncfs, which FUSE never sees, is
   reported to faultfs by a shim preloaded into the service's processes (scripts/faultfs-syncfs.c): it is a flush
   position like any fsync, and once it succeeds every name on the mount counts as synced.

Usage: scripts/fault-matrix.py [--bin DIR] [--requests create,update,...] [--kinds fsync,...] [--all-errnos]
                               [--durability report|fail] [--verbose]
By default each position is failed with one errno, taken in turn (EIO, ENOSPC, EROFS), so that every kind meets
each of them; --all-errnos tries all three at every position (three times as long). Skips, saying why, where it
cannot mount (not root, no /dev/fuse, no python3-fusepy); exits 1 on any violation, listing each.
"""

import argparse
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.dont_write_bytecode = True  # No __pycache__ in scripts/.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultfs  # noqa: E402  (the control client; the file system itself runs in a process of its own)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ["fsync", "write", "rename", "mkdir", "open", "unlink", "read"]
ERRNOS = ["EIO", "ENOSPC", "EROFS"]
# The answer a request must give when a store operation fails with each errno.
EXPECTED_ERROR = {"EIO": (500, "internal_error"), "EROFS": (500, "internal_error"),
                  "ENOSPC": (507, "storage_full")}
LEASE_SECONDS = 1
PROCESS_TIMEOUT = 30
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


# MARK: - Events


def proxy_event(method, path, path_parameters=None, body=None, headers=None, query=None):
    """An API Gateway HTTP API (payload 2.0) event."""
    event = {
        "version": "2.0", "rawPath": path, "rawQueryString": "", "pathParameters": path_parameters or {},
        "headers": {"content-type": "application/json", **(headers or {})}, "isBase64Encoded": False,
        "requestContext": {"requestId": str(uuid.uuid4()), "http": {"method": method, "path": path}},
    }
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = json.dumps(body, sort_keys=True)
    return json.dumps(event).encode()


def order_body(order_id=None):
    address = {"line1": "Calle Mayor 1", "city": "Madrid", "country": "ES"}
    body = {"order_lines": [{"sku": "SKU-1", "price": 10, "quantity": 1}], "shipping_address": address,
            "billing_address": address}
    if order_id:
        body["id"] = order_id
    return body


SCHEDULED_EVENT = json.dumps({"version": "0", "id": "fault-matrix", "detail-type": "Scheduled Event",
                              "source": "aws.events", "detail": {}}).encode()


# MARK: - The webhook


class Receiver:
    """A webhook on loopback that accepts every event, recording each delivery by the path it was posted to."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = {}
        receiver = self

        class Accept(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                data = body.get("data", {})
                delivery = {"id": self.headers.get("webhook-id"), "order": data.get("order_id"),
                            "version": data.get("version"), "type": body.get("type"), "at": time.time()}
                with receiver.lock:
                    receiver.deliveries.setdefault(self.path, []).append(delivery)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Accept)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook/{name}"

    def received(self, name):
        with self.lock:
            return list(self.deliveries.get(f"/hook/{name}", []))

    def stop(self):
        self.server.shutdown()


# MARK: - The service, as processes


class Unanswered(Exception):
    pass


class Service:
    """The function executables against one data directory, each run as a process of its own."""

    def __init__(self, binaries, data, webhook=None):
        self.binaries = binaries
        self.environment = dict(os.environ, ORDER_DATA_DIR=data, ORDER_IDEMPOTENCY_LEASE_SECONDS=str(LEASE_SECONDS),
                                ORDER_WEBHOOK_TIMEOUT_MS="5000")
        self.environment.pop("ORDER_WEBHOOK_URL", None)
        if webhook:
            self.environment.update(ORDER_WEBHOOK_URL=webhook, ORDER_WEBHOOK_SECRET=SECRET)

    def run(self, function, event):
        """Runs one function on one event: (exit status, standard output, standard error)."""
        process = subprocess.run([os.path.join(self.binaries, function)], input=event, capture_output=True,
                                 env=self.environment, timeout=PROCESS_TIMEOUT)
        return process.returncode, process.stdout, process.stderr.decode(errors="replace")

    @staticmethod
    def answer(run):
        """The (status, headers, body) of a proxy response, or Unanswered."""
        code, output, errors = run
        try:
            response = json.loads(output)
            return response["statusCode"], response.get("headers", {}), json.loads(response.get("body") or "{}")
        except (ValueError, KeyError, TypeError):
            raise Unanswered(f"exit {code}, no proxy response: {output[:300]!r} {errors[-600:]}")

    def request(self, function, event):
        return self.answer(self.run(function, event))

    def get(self, order_id):
        return self.request("get-order", proxy_event("GET", f"/order/{order_id}", {"id": order_id}))

    def listing(self, **filters):
        """Every order the listing shows (with `filters`, such as status), page by page: {id: order}, and the ids
        it skipped."""
        orders, skipped, cursor = {}, [], None
        for _ in range(100):
            query = {"limit": "3", **filters} | ({"cursor": cursor} if cursor else {})
            status, _, body = self.request("list-orders", proxy_event("GET", "/orders", query=query))
            if status != 200:
                raise Unanswered(f"list-orders answered {status}: {body}")
            for order in body.get("orders", []):
                if order["id"] in orders:
                    raise Unanswered(f"list-orders repeated {order['id']}")
                orders[order["id"]] = order
            skipped += body.get("skipped_orders", [])
            cursor = body.get("next_cursor")
            if not cursor:
                return orders, skipped
        raise Unanswered("list-orders never reached its last page")

    def event_function(self, function):
        """Runs an event function (dispatch-events, reindex): its JSON result, or Unanswered."""
        code, output, errors = self.run(function, SCHEDULED_EVENT if function == "dispatch-events" else b"{}")
        if code != 0:
            raise Unanswered(f"{function} exited {code}: {errors[-600:]}")
        return json.loads(output)


# MARK: - The mount


class Mount:
    """faultfs over a backing directory, in a process of its own; always unmounted on the way out."""

    def __init__(self, work):
        self.backing = os.path.join(work, "backing")
        self.path = os.path.join(work, "mount")
        self.control = os.path.join(work, "control.sock")
        os.makedirs(self.backing)
        os.makedirs(self.path)
        self.log = open(os.path.join(work, "faultfs.log"), "w")
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts", "faultfs.py"), "mount", self.backing, self.path,
             "--control", self.control, "--while-alive", str(os.getpid())], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not (os.path.ismount(self.path) and os.path.exists(self.control)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.unmount()
                with open(self.log.name) as log:
                    raise OSError(f"faultfs did not mount: {log.read().strip()[-500:]}")
            time.sleep(0.05)

    def plan(self, fail=None):
        faultfs.control(self.control, {"command": "plan", "fail": fail})

    def report(self, under="/"):
        return faultfs.control(self.control, {"command": "report", "under": under})

    def unsynced(self, data, order_ids=()):
        """The names made in `data` (a directory on the mount) that no fsync of their directory has made durable,
        relative to `data`, with each of `order_ids` written `{order}`: comparable between data directories."""
        names = []
        for path in self.report("/" + os.path.relpath(data, self.path))["unsynced"]:
            name = os.path.relpath(path, "/" + os.path.relpath(data, self.path))
            for order_id in order_ids:
                name = name.replace(order_id, "{order}")
            names.append(name)
        return set(names)

    def unmount(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # A mount whose process died is still listed, though no longer a mount point to os.path.ismount.
        with open("/proc/mounts") as mounts:
            if any(line.split()[1] == self.path for line in mounts):
                subprocess.run(["umount", "-l", self.path], check=False)


# MARK: - The requests


class Request:
    """One request of the matrix: what it sends, and what it may leave of its order."""

    name = ""
    function = ""
    target = None  # The order it is about, if it is about one order.
    writes = True  # Whether its success acknowledges an order.

    def event(self):
        raise NotImplementedError

    def changed_as_asked(self, before, after):
        """Whether `after` is `before` changed as this request asks (a commit that the failed request made)."""
        return False

    def check_success(self, body, acknowledged):
        """Checks a successful answer against the orders acknowledged before it."""


class Create(Request):
    name, function, target = "create", "create-order", "NEW-1"

    def event(self):
        return proxy_event("POST", "/order", body=order_body(self.target))

    def changed_as_asked(self, before, after):
        return before is None and after["id"] == self.target and after["version"] == 1


class IdempotentCreate(Request):
    name, function = "idempotent create", "create-order"
    key = "fault-matrix-key"

    def event(self):
        return proxy_event("POST", "/order", body=order_body(), headers={"idempotency-key": self.key})

    def changed_as_asked(self, before, after):
        return before is None and after["version"] == 1


class Update(Request):
    name, function, target = "update", "update-order-status", "BASE-UPDATE"

    def event(self):
        return proxy_event("PUT", f"/order/{self.target}/status", {"id": self.target}, {"status": "confirmed"})

    def changed_as_asked(self, before, after):
        return (before is not None and after["status"] == "confirmed" and after["version"] == before["version"] + 1
                and before["status"] == "pending_confirmation")


class Cancel(Request):
    name, function, target = "cancellation", "cancel-order", "BASE-CANCEL"

    def event(self):
        return proxy_event("POST", f"/order/{self.target}/cancel", {"id": self.target}, {"reason": "out_of_stock"})

    def changed_as_asked(self, before, after):
        return (before is not None and after["status"] == "cancelled" and after["version"] == before["version"] + 1
                and after.get("cancellation", {}).get("reason") == "out_of_stock")


class Delivery(Request):
    name, function = "delivery", "dispatch-events"

    def event(self):
        return SCHEDULED_EVENT


class Read(Request):
    """A failure to read an order is an error, never a 404 or another version of it."""

    name, function, target, writes = "read", "get-order", "BASE-UPDATE", False

    def event(self):
        return proxy_event("GET", f"/order/{self.target}", {"id": self.target})

    def check_success(self, body, acknowledged):
        if comparable(body) != comparable(acknowledged[self.target]):
            raise Violation(f"read {body}, acknowledged as {acknowledged[self.target]}")


class Listing(Request):
    """A listing that cannot read an order names it as skipped, or fails: it never leaves it out silently."""

    name, function, writes = "listing", "list-orders", False

    def event(self):
        return proxy_event("GET", "/orders", query={"limit": "50"})

    def check_success(self, body, acknowledged):
        shown = {order["id"] for order in body.get("orders", [])}
        skipped = {order["id"] for order in body.get("skipped_orders", [])}
        if set(acknowledged) - shown - skipped:
            raise Violation(f"the listing left out {sorted(set(acknowledged) - shown - skipped)}, naming none as "
                            f"skipped: {body}")


REQUESTS = [Create(), Update(), Cancel(), IdempotentCreate(), Delivery(), Read(), Listing()]


# MARK: - The matrix


class Violation(Exception):
    pass


def comparable(order):
    """An order as a read returns it; the same whether read by id or listed."""
    return json.dumps(order, sort_keys=True)


class Matrix:
    """The cases of the matrix, one data directory each, and what they found."""

    def __init__(self, binaries, mount, receiver, verbose=False):
        self.verbose = verbose
        self.binaries = binaries
        self.mount = mount
        self.receiver = receiver
        self.cases = 0
        self.violations = []
        self.gaps = []  # Durability gaps: what a retry left unsynced, trusting the failed attempt's work.
        self.unsynced_by_design = {}  # Request name -> what it leaves unsynced under no fault.
        self.notes = []

    # The data directory every case starts from: two orders whose events were delivered, in their files (a
    # dispatch-events checkpointed the journals), and one with two events still pending (the delivery's work), in a
    # journal alone, all made through the mount.
    def make_base(self):
        base = os.path.join(self.mount.path, "base")
        delivered = Service(self.binaries, base, webhook=self.receiver.url("base"))
        self.acknowledged = {}
        for order_id in ("BASE-UPDATE", "BASE-CANCEL"):
            self.acknowledge(delivered.request("create-order", proxy_event("POST", "/order",
                                                                           body=order_body(order_id))), 201)
        deadline = time.monotonic() + 20
        while len(self.receiver.received("base")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.base_delivered = {(d["order"], d["version"]) for d in self.receiver.received("base")}
        if self.base_delivered != {("BASE-UPDATE", 1), ("BASE-CANCEL", 1)}:
            raise Violation(f"the base data directory's events were not delivered: {self.base_delivered}")
        pending = Service(self.binaries, base)
        pending.event_function("dispatch-events")  # No webhook: it only checkpoints.
        self.acknowledge(pending.request("create-order", proxy_event("POST", "/order", body=order_body("PENDING-1"))),
                         201)
        self.acknowledge(pending.request("update-order-status", proxy_event(
            "PUT", "/order/PENDING-1/status", {"id": "PENDING-1"}, {"status": "confirmed"})), 200)

    def acknowledge(self, answer, status):
        code, _, body = answer
        if code != status:
            raise Violation(f"making the base data directory: {code} {body}")
        self.acknowledged[body["id"]] = body

    def fresh_copy(self, name):
        """A copy of the base data directory, made in the backing directory (under no fault), seen on the mount."""
        shutil.copytree(os.path.join(self.mount.backing, "base"), os.path.join(self.mount.backing, name),
                        symlinks=True)
        return os.path.join(self.mount.path, name)

    def dry_run(self, request):
        """Runs the request under no fault and returns how many operations of each kind it made."""
        data = self.fresh_copy(f"dry-{request.name.replace(' ', '-')}")
        service = self.service_for(request, data, "dry")
        self.mount.plan(None)
        run = service.run(request.function, request.event())
        counts = self.mount.report()["counts"]
        if request.function == "dispatch-events":
            if run[0] != 0:
                raise Violation(f"{request.name}, under no fault: exit {run[0]}: {run[2][-600:]}")
        else:
            status, _, body = Service.answer(run)
            if status not in (200, 201):
                raise Violation(f"{request.name}, under no fault: {status} {body}")
        # What a request under no fault leaves unsynced, the store makes durable another way (a journal) or needs no
        # durability for: the retries below are held to the same.
        self.unsynced_by_design[request.name] = self.mount.unsynced(data, self.order_ids(request, run))
        if self.unsynced_by_design[request.name]:
            self.notes.append(f"{request.name}, under no fault, leaves unsynced: "
                              f"{', '.join(sorted(self.unsynced_by_design[request.name]))}")
        shutil.rmtree(os.path.join(self.mount.backing, os.path.basename(data)))
        return counts

    def unsynced_by_design_matches(self, request, name):
        """Whether `name` is one the request leaves unsynced under no fault, for this order or another (a failed
        attempt's order, which its retry did not make)."""
        return any(re.fullmatch(re.escape(pattern).replace(re.escape("{order}"), "[^/]+"), name)
                   for pattern in self.unsynced_by_design[request.name])

    @staticmethod
    def order_ids(request, *runs):
        """The ids of the order a request is about, and of the orders its runs answered with (a server-assigned
        id): longest first, so that none is replaced inside another."""
        ids = {request.target} if request.target else set()
        for run in runs:
            try:
                ids.add(Service.answer(run)[2]["id"])
            except (Unanswered, KeyError, TypeError, AttributeError):
                pass
        return sorted(ids - {None}, key=len, reverse=True)

    def service_for(self, request, data, case):
        webhook = self.receiver.url(case) if request.function == "dispatch-events" else None
        return Service(self.binaries, data, webhook)

    def run_case(self, request, kind, nth, errno):
        self.cases += 1
        case = f"case-{self.cases}"
        data = self.fresh_copy(case)
        service = self.service_for(request, data, case)
        label = f"{request.name}, {kind} #{nth} failing with {errno}"
        try:
            self.mount.plan({"kind": kind, "nth": nth, "errno": errno})
            try:
                run = service.run(request.function, request.event())
            finally:
                fired = self.mount.report()["fired"]
                self.mount.plan(None)
            if fired is None:
                self.notes.append(f"{label}: the request made fewer such operations than in the dry run")
            if self.verbose:
                where = f"{fired['operation']} {fired['path']}" if fired else "not reached"
                print(f"fault-matrix: {label}: {where}: {self.outcome(run)}", flush=True)
            self.check(request, service, run, fired, errno, case, label)
        except (Violation, Unanswered, subprocess.TimeoutExpired, ValueError) as problem:
            where = f" (at {fired['operation']} {fired['path']})" if fired else ""
            self.violations.append(f"{label}{where}: {problem}")
        finally:
            shutil.rmtree(os.path.join(self.mount.backing, case), ignore_errors=True)

    @staticmethod
    def outcome(run):
        """What a run answered, in a few words."""
        try:
            status, _, body = Service.answer(run)
            return f"{status} {body.get('code', '')}".strip()
        except Unanswered:
            return f"exit {run[0]}"

    def check(self, request, service, run, fired, errno, case, label):
        acknowledged = dict(self.acknowledged)
        answered = self.check_answer(request, run, fired, errno)
        if answered is not None:
            acknowledged[answered["id"]] = answered

        # Right after the failure: no half state, nothing acknowledged lost.
        stored = self.check_reads(service, request, acknowledged, allow_change=True)

        # The fault is gone: the same request succeeds, and reads back as answered; and what it answered on is
        # durable, even where the failed attempt's sync failed: nothing it left unsynced is trusted as it is.
        if request.function == "dispatch-events":
            retried = service.run(request.function, request.event())
            if retried[0] != 0:
                raise Violation(f"with the fault gone, dispatch-events exited {retried[0]}: {retried[2][-600:]}")
        else:
            status, body, retried = self.retry(service, request)
        # The retry runs on what the failed attempt left: it must leave no more unsynced than a request under no
        # fault does, trusting nothing the attempt made and could not sync.
        unsynced = {name for name in self.mount.unsynced(service.environment["ORDER_DATA_DIR"],
                                                         self.order_ids(request, run, retried))
                    if not self.unsynced_by_design_matches(request, name)}
        if unsynced:
            self.gaps.append(f"{label}: after the retry, names a power loss could take back: "
                             f"{', '.join(sorted(unsynced))}")
        if not request.writes:
            request.check_success(body, self.acknowledged)
        elif request.function != "dispatch-events":
            if status == 409:
                if body.get("code") != "order_exists" or not isinstance(request, Create) \
                        or request.target not in stored:
                    raise Violation(f"the retry answered 409 {body}")
                acknowledged[request.target] = stored[request.target]  # Committed by the failed attempt.
            else:
                acknowledged[body["id"]] = body
        after = self.check_reads(service, request, acknowledged, allow_change=False)
        if isinstance(request, IdempotentCreate) and len(after) != len(self.acknowledged) + 1:
            raise Violation(f"one key made {len(after) - len(self.acknowledged)} orders")

        # Every committed change delivered, once; then no index entry missing, no order unreadable.
        self.check_events(service, request, case, after, fired)
        report = service.event_function("reindex")
        if report.get("entries_added", 0) != 0 or report.get("unreadable_orders", []) != []:
            raise Violation(f"reindex found damage: {report}")

    def check_answer(self, request, run, fired, errno):
        """Checks the answer to the attempt under the fault; returns the order it acknowledged, if it did."""
        code, _, errors = run
        logged_error = any('"level":"error"' in line.replace(" ", "") for line in errors.splitlines())
        acknowledged = None
        if request.function == "dispatch-events":
            succeeded = code == 0
            if not succeeded and '"error"' not in errors:
                raise Violation(f"dispatch-events exited {code} without logging why: {errors[-600:]}")
        else:
            status, _, body = Service.answer(run)
            succeeded = status in (200, 201)
            if succeeded:
                request.check_success(body, self.acknowledged)
                acknowledged = body if request.writes else None
            else:
                expected = EXPECTED_ERROR[errno]
                if (status, body.get("code")) != expected or body.get("type") != "api_error" \
                        or not body.get("message"):
                    raise Violation(f"answered {status} {body}, not {expected[0]} {expected[1]} in the envelope")
        if fired and fired["kind"] == "fsync" and succeeded and not logged_error:
            raise Violation("an fsync failed, and the request succeeded without a word")
        if fired and succeeded:
            self.notes.append(f"{request.name}: {fired['operation']} {fired['path']} failed with {errno}; the "
                              f"request succeeded{', logging the error' if logged_error else ''}")
        return acknowledged

    def retry(self, service, request):
        """Sends the request again, waiting out the lease of a key left held; returns its status, body and run."""
        for _ in range(3):
            run = service.run(request.function, request.event())
            status, _, body = Service.answer(run)
            if status in (200, 201) or (status == 409 and body.get("code") == "order_exists"):
                return status, body, run
            if status == 409 and body.get("code") == "request_in_progress":
                time.sleep(LEASE_SECONDS + 0.2)
                continue
            raise Violation(f"with the fault gone, the request answered {status} {body}")
        raise Violation("the key stayed in progress past its lease")

    def check_reads(self, service, request, acknowledged, allow_change):
        """Reads every order by id and by listing; returns {id: order}. Checks that each reads whole and as
        acknowledged (the request's own order may also show its change committed, if `allow_change`)."""
        listed, skipped = service.listing()
        if skipped:
            raise Violation(f"the listing skipped {skipped}")
        ids = set(listed) | set(acknowledged) | ({request.target} if request.target else set())
        stored = {}
        for order_id in sorted(ids):
            status, _, body = service.get(order_id)
            if status == 404:
                if order_id in acknowledged:
                    raise Violation(f"{order_id}, acknowledged, is gone")
                if order_id in listed:
                    raise Violation(f"the listing shows {order_id}, which does not exist")
                continue
            if status != 200:
                raise Violation(f"reading {order_id} answered {status} {body}")
            stored[order_id] = body
            if order_id not in listed:
                raise Violation(f"the listing misses {order_id}")
            if comparable(listed[order_id]) != comparable(body):
                raise Violation(f"the listing shows {order_id} as {listed[order_id]}, its document as {body}")
            known = acknowledged.get(order_id)
            if known is not None and comparable(known) == comparable(body):
                continue
            own = order_id == request.target or (isinstance(request, IdempotentCreate) and known is None)
            if allow_change and own and request.changed_as_asked(known, body):
                continue
            raise Violation(f"{order_id} reads {body}, acknowledged as {known}")
        # Listed by status: an order moved on is no longer listed under the status it left, and is under its new one.
        statuses = {order["status"] for order in list(stored.values()) + list(acknowledged.values())}
        for status in sorted(statuses):
            listed, skipped = service.listing(status=status)
            expected = {order_id for order_id, order in stored.items() if order["status"] == status}
            if set(listed) != expected or skipped:
                raise Violation(f"listed with status {status}: {sorted(listed)}, skipped {skipped}; "
                                f"the documents say {sorted(expected)}")
        self.check_json_files(service.environment["ORDER_DATA_DIR"])
        return stored

    def check_json_files(self, data):
        """Every file named *.json in the data directory parses: no reader can meet a half-written one."""
        backing = os.path.join(self.mount.backing, os.path.relpath(data, self.mount.path))
        for directory, _, names in os.walk(backing):
            for name in names:
                if name.endswith(".json") and not name.startswith("."):
                    path = os.path.join(directory, name)
                    try:
                        with open(path, "rb") as file:
                            json.loads(file.read())
                    except ValueError as error:
                        raise Violation(f"{os.path.relpath(path, backing)} does not parse: {error}")

    def check_events(self, service, request, case, stored, fired):
        """Delivers what is pending; then every committed change (each version of each order) has reached the
        webhook once, counting the base's deliveries, and nothing else has. Twice is allowed only for an event
        that the webhook had accepted before the fault cut its delivery short, in a delivery: recording it as
        delivered is what failed."""
        dispatcher = Service(self.binaries, service.environment["ORDER_DATA_DIR"], self.receiver.url(case))
        for _ in range(5):
            summary = dispatcher.event_function("dispatch-events")["summary"]
            if not any(summary.get(outcome) for outcome in ("delivered", "failed", "dead_lettered")):
                break
        else:
            raise Violation(f"dispatch-events kept finding work: {summary}")
        if summary.get("orders_checked"):
            self.notes.append(f"{request.name}: with nothing left to deliver, dispatch-events still checks "
                              f"{summary['orders_checked']} orders (a hint it does not clear)")
        received = self.receiver.received(case)
        seen, first = {}, {}
        for delivery in received:
            key = (delivery["order"], delivery["version"])
            seen[key] = seen.get(key, 0) + 1
            first.setdefault(key, delivery["at"])
            order = stored.get(delivery["order"])
            if order is None or delivery["version"] > order["version"]:
                raise Violation(f"an event for a change not committed: {delivery}")
        committed = {(order_id, version) for order_id, order in stored.items()
                     for version in range(1, order["version"] + 1)}
        missing = committed - self.base_delivered - set(seen)
        if missing:
            raise Violation(f"committed changes without a delivered event: {sorted(missing)}")
        again = {key for key in seen if key in self.base_delivered or seen[key] > 1}
        cut_short = {key for key in again if key not in self.base_delivered and seen[key] == 2 and fired
                     and request.function == "dispatch-events" and first[key] <= fired["at"]}
        if again - cut_short:
            raise Violation(f"events delivered twice: {sorted(again - cut_short)}")
        if again:
            self.notes.append(f"{request.name}: delivered again after the failure: {sorted(again)}")


# MARK: - Running it


def can_mount():
    """Why faultfs cannot be mounted here, or None."""
    if os.geteuid() != 0:
        return "mounting a FUSE file system needs root here"
    if not os.path.exists("/dev/fuse"):
        return "there is no /dev/fuse"
    try:
        import fusepy  # noqa: F401
    except ImportError:
        return "python3-fusepy is not installed (apt-get install python3-fusepy fuse3)"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=os.environ.get("ORDER_BIN_DIR", os.path.join(ROOT, ".build", "debug")))
    parser.add_argument("--requests", default=",".join(r.name for r in REQUESTS))
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--all-errnos", action="store_true")
    parser.add_argument("--durability", choices=["report", "fail"], default="report",
                        help="whether a durability gap (a retry that trusts a name whose sync failed) fails the run")
    parser.add_argument("--verbose", action="store_true",
                        help="print each case (the operation failed, the answer) and the notes")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds before the matrix gives up")
    arguments = parser.parse_args()
    requests = [r for r in REQUESTS if r.name in arguments.requests.split(",")]
    kinds = arguments.kinds.split(",")

    reason = can_mount()
    if reason:
        print(f"fault-matrix: skipped, faultfs cannot be mounted: {reason}")
        return 0
    missing = [f for f in {r.function for r in REQUESTS} | {"get-order", "list-orders", "reindex"}
               if not os.access(os.path.join(arguments.bin, f), os.X_OK)]
    if missing:
        print(f"fault-matrix: not built in {arguments.bin}: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1

    work = tempfile.mkdtemp(prefix="fault-matrix-")
    mount = None
    # A signal unmounts too: the finally below runs on SystemExit.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda *_: sys.exit(1))
    receiver = Receiver()
    started = time.monotonic()
    try:
        try:
            mount = Mount(work)
        except OSError as error:
            print(f"fault-matrix: skipped, faultfs cannot be mounted: {error}")
            return 0
        # FUSE never sees a syncfs: the processes of the service report theirs to faultfs through a preloaded shim,
        # which faultfs counts and fails as a flush, and which, once it succeeds, syncs every name on the mount.
        shim = os.path.join(work, "faultfs-syncfs.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, os.path.join(ROOT, "scripts", "faultfs-syncfs.c"),
                        "-ldl"], check=True)
        os.environ.update(LD_PRELOAD=shim, FAULTFS_CONTROL=mount.control)
        matrix = Matrix(arguments.bin, mount, receiver, arguments.verbose)
        matrix.make_base()
        for request in requests:
            counts = matrix.dry_run(request)
            line = []
            for kind_index, kind in enumerate(kinds):
                for nth in range(1, counts.get(kind, 0) + 1):
                    if time.monotonic() - started > arguments.time_limit:
                        raise Violation(f"the matrix ran out of time ({arguments.time_limit:.0f} s)")
                    errnos = ERRNOS if arguments.all_errnos else [ERRNOS[(nth - 1 + kind_index) % len(ERRNOS)]]
                    for errno in errnos:
                        matrix.run_case(request, kind, nth, errno)
                line.append(f"{kind} {counts.get(kind, 0)}")
            print(f"fault-matrix: {request.name}: {', '.join(line)}", flush=True)
    except (Violation, Unanswered) as problem:
        print(f"fault-matrix: FAILED: {problem}", file=sys.stderr)
        return 1
    finally:
        receiver.stop()
        if mount:
            mount.unmount()
        shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - started
    if arguments.verbose:
        for note in matrix.notes:
            print(f"fault-matrix: note: {note}")
    elif matrix.notes:
        print(f"fault-matrix: {len(matrix.notes)} notes (failures the store tolerates, deliveries repeated after a "
              f"failure, ...): --verbose lists them")
    for gap in matrix.gaps:
        print(f"fault-matrix: DURABILITY GAP: {gap}", file=sys.stderr)
    if matrix.gaps:
        print(f"fault-matrix: {len(matrix.gaps)} durability gaps: a retry answered on names that the failed attempt "
              f"made and could not sync, without syncing them (see the README's fault matrix)"
              + (", failing as asked" if arguments.durability == "fail" else "; not failing the run (--durability "
                 "fail to make them fail it)"), file=sys.stderr)
        if arguments.durability == "fail":
            matrix.violations += matrix.gaps
    if matrix.violations:
        for violation in matrix.violations:
            print(f"fault-matrix: VIOLATION: {violation}", file=sys.stderr)
        print(f"fault-matrix: {len(matrix.violations)} of {matrix.cases} cases failed ({elapsed:.0f} s)",
              file=sys.stderr)
        return 1
    print(f"fault-matrix: {matrix.cases} cases, every one as it should be ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
