import Foundation
import Testing

@testable import LocalGateway

/// Authorizers and scopes as the gateway reads them from a template, and `--parameter-overrides`.
@Suite("Template authorizers")
struct AuthorizerTemplateTests {
    static let servicePath = Paths.packageRoot.appendingPathComponent("template.yaml").path

    @Test("every route of the service's template but the console is authorized by OrderAuthorizer, with its scopes")
    func serviceRoutes() throws {
        let template = try ServerlessTemplate.load(fromFile: Self.servicePath)
        var scopes: [String: [String]] = [:]
        var open: [String] = []
        for function in template.functions {
            for route in function.routes {
                guard let authorization = route.authorization else {
                    open.append(route.routeKey)
                    continue
                }
                #expect(authorization.authorizer.name == "OrderAuthorizer")
                scopes[route.routeKey] = authorization.scopes
            }
        }
        #expect(
            scopes == [
                "POST /order": ["orders/create"], "GET /order/{id}": ["orders/read"], "GET /orders": ["orders/read"],
                "GET /order/{id}/events": ["orders/read"], "PUT /order": ["orders/update-status"],
                "PUT /order/{id}/status": ["orders/update-status"],
                "POST /order/{id}/cancel": ["orders/update-status"],
                // The operators' routes; reading events across orders is reading orders too.
                "POST /order/{id}/events/{event_id}/redeliver": ["orders/admin"],
                "POST /events/redeliver": ["orders/admin"], "GET /events": ["orders/admin", "orders/read"],
            ])
        // The page holds no data; the calls it makes carry the operator's token.
        #expect(open == ["GET /console"])
        #expect(
            template.authorizers == [
                JWTAuthorizerDefinition(
                    name: "OrderAuthorizer", issuer: "https://local-gateway.invalid/order-service",
                    audiences: ["order-service"], identityHeader: "Authorization")
            ])
    }

    @Test("--parameter-overrides set the issuer and the audiences, a list parameter split at its commas")
    func overrides() throws {
        let overrides = try GatewaySetup.parameterOverrides([
            "JwtIssuer=https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc 'JwtAudience=storefront, warehouse'",
            "ParameterKey=WebhookUrl,ParameterValue=https://hooks.example.com/a=b",
        ])
        #expect(
            overrides == [
                "JwtIssuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
                "JwtAudience": "storefront, warehouse", "WebhookUrl": "https://hooks.example.com/a=b",
            ])
        let template = try ServerlessTemplate.load(fromFile: Self.servicePath, parameterOverrides: overrides)
        let authorizer = try #require(template.authorizers.first)
        #expect(authorizer.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc")
        #expect(authorizer.audiences == ["storefront", "warehouse"])
        #expect(
            template.function(named: "create-order")?.environment["ORDER_WEBHOOK_URL"]
                == "https://hooks.example.com/a=b")
    }

    @Test("an override of an undeclared parameter, or a pair without =, is an error that names it")
    func badOverrides() throws {
        #expect(throws: GatewayError.self) { try GatewaySetup.parameterOverrides(["JwtIssuer"]) }
        do {
            _ = try ServerlessTemplate.load(fromFile: Self.servicePath, parameterOverrides: ["JwtIsuer": "x"])
            Issue.record("an unknown parameter was accepted")
        } catch {
            #expect(error.code == "parameter_unknown")
            #expect(error.message.contains("JwtIsuer"))
            #expect(error.message.contains("JwtIssuer"))
        }
    }

    static func template(api: String, event: String) -> String {
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::HttpApi
            Properties:
        \(api)
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: functions/fn
              Events:
                Get:
                  Type: HttpApi
                  Properties:
                    ApiId: !Ref Api
                    Path: /things
                    Method: GET
        \(event)
        """
    }

    static let jwtAuth = """
              Auth:
                DefaultAuthorizer: Jwt
                Authorizers:
                  Jwt:
                    IdentitySource: $request.header.X-Token
                    JwtConfiguration:
                      issuer: https://issuer.test
                      audience: [a, b]
                  Custom:
                    FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:auth
        """

    @Test("the default authorizer applies to a route that names none; Authorizer: NONE opens it")
    func defaultAndNone() throws {
        let guarded = try ServerlessTemplate.parse(yaml: Self.template(api: Self.jwtAuth, event: ""))
        let authorization = try #require(guarded.functions[0].routes[0].authorization)
        #expect(authorization.authorizer.identityHeader == "X-Token")
        #expect(authorization.authorizer.audiences == ["a", "b"])
        #expect(authorization.scopes == [])
        let open = try ServerlessTemplate.parse(
            yaml: Self.template(api: Self.jwtAuth, event: "            Auth:\n              Authorizer: NONE"))
        #expect(open.functions[0].routes[0].authorization == nil)
        #expect(open.authorizers.isEmpty)
    }

    @Test(
        "authorizers the gateway cannot enforce stop the start-up rather than leave a route open",
        arguments: [
            "            Auth:\n              Authorizer: Custom",
            "            Auth:\n              Authorizer: Missing",
        ])
    func unenforceable(event: String) throws {
        #expect(throws: GatewayError.self) {
            try ServerlessTemplate.parse(yaml: Self.template(api: Self.jwtAuth, event: event))
        }
    }

    @Test("scopes on a route without an authorizer are an error")
    func scopesWithoutAuthorizer() throws {
        let event = "            Auth:\n              AuthorizationScopes: [things/read]"
        #expect(throws: GatewayError.self) {
            try ServerlessTemplate.parse(yaml: Self.template(api: "      Description: open", event: event))
        }
    }
}
