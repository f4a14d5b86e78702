public import CurlHTTP

/// Sends one webhook request. ``CurlHTTPClient`` in the service; a stand-in in tests.
public protocol WebhookTransport {
    func send(_ request: HTTPRequest) -> Result<HTTPReply, HTTPTransportError>
}

extension CurlHTTPClient: WebhookTransport {}
