import FoundationEssentials
import OrderEvents
import SystemSupport
import Testing
import Timestamps

@Suite("Standard Webhooks signatures")
struct WebhookSignatureTests {
    @Test("the specification's test vector")
    func testVector() throws {
        let configuration = try WebhookConfiguration.fromEnvironment(
            Environment([
                "ORDER_WEBHOOK_URL": "https://example.com/hook",
                "ORDER_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ]))
        let key = try #require(configuration.signingKey)
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8),
            key: key)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test(
        "settings that cannot work are refused at start, without echoing the secret",
        arguments: [
            ["ORDER_WEBHOOK_URL": "ftp://example.com"],
            ["ORDER_WEBHOOK_SECRET": "not-a-secret"],
            ["ORDER_WEBHOOK_SECRET": "whsec_%%%"],
            ["ORDER_WEBHOOK_TIMEOUT_MS": "soon"],
            ["ORDER_WEBHOOK_RETRY_SCHEDULE": "5s,often"],
        ])
    func invalidSettings(environment: [String: String]) {
        let error = #expect(throws: WebhookConfiguration.Invalid.self) {
            try WebhookConfiguration.fromEnvironment(Environment(environment))
        }
        #expect(error?.description.contains("%%%") == false)
        #expect(error?.description.contains("not-a-secret") == false)
    }

    @Test("defaults: no URL, 2 s timeout, the Standard Webhooks schedule")
    func defaults() throws {
        let configuration = try WebhookConfiguration.fromEnvironment(Environment([:]))
        #expect(configuration.url == nil)
        #expect(configuration.timeoutMilliseconds == 2000)
        #expect(configuration.source == "/order-service")
        #expect(configuration.retrySchedule == .standardWebhooks)
    }
}

@Suite("Retry schedule")
struct RetryScheduleTests {
    @Test("the default retries for about three days over ten attempts")
    func standard() {
        let schedule = RetrySchedule.standardWebhooks
        #expect(schedule.maximumAttempts == 10)
        let total = schedule.waits.reduce(0, +)
        #expect(total > 3 * 86_400_000 && total < 84 * 3_600_000)
    }

    @Test("a schedule reads from text")
    func parse() {
        #expect(RetrySchedule(text: "5s, 5m,2h,1d,250ms")?.waits == [5000, 300_000, 7_200_000, 86_400_000, 250])
        #expect(RetrySchedule(text: "") == nil)
        #expect(RetrySchedule(text: "5 minutes") == nil)
    }

    @Test("waits get at most ±20% jitter, and none is left after the last attempt")
    func jitter() {
        var generator = SystemRandomNumberGenerator()
        let schedule = RetrySchedule(waits: [10_000])
        let now = Timestamp(millisecondsSinceEpoch: 0)
        for _ in 0..<200 {
            let next = schedule.nextAttempt(afterAttempts: 1, now: now, using: &generator)!.millisecondsSinceEpoch
            #expect((8000...12_000).contains(next))
        }
        #expect(schedule.nextAttempt(afterAttempts: 2, now: now, using: &generator) == nil)
    }
}
