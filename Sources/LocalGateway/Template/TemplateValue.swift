import Foundation
import Yams

/// A value of a CloudFormation template as YAML gave it, with the short-form intrinsic tags (`!Ref`, `!Sub`,
/// `!GetAtt`, …) turned into their long form (`{"Ref": …}`, `{"Fn::Sub": …}`), so both forms read alike.
indirect enum TemplateValue: Sendable, Equatable {
    case null
    case scalar(String)
    case list([TemplateValue])
    /// Keys in template order, which is the order of resources and events.
    case map([Entry])

    struct Entry: Sendable, Equatable {
        var key: String
        var value: TemplateValue
    }

    /// Reads a YAML node; a custom tag `!Name` becomes `{"Fn::Name": value}`, except `!Ref` and `!Condition`.
    init(_ node: Node) {
        let plain: TemplateValue
        switch node {
        case .scalar(let scalar):
            plain = node.tag.description == Tag.Name.null.rawValue ? .null : .scalar(scalar.string)
        case .sequence(let sequence):
            plain = .list(sequence.map(TemplateValue.init))
        case .mapping(let mapping):
            plain = .map(mapping.map { Entry(key: $0.key.string ?? "", value: TemplateValue($0.value)) })
        case .alias:
            plain = .null
        }
        let tag = node.tag.description
        guard tag.hasPrefix("!"), !tag.hasPrefix("!!"), tag.count > 1 else {
            self = plain
            return
        }
        let name = String(tag.dropFirst())
        let key = name == "Ref" || name == "Condition" ? name : "Fn::\(name)"
        self = .map([Entry(key: key, value: plain)])
    }

    subscript(key: String) -> TemplateValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    var entries: [Entry] {
        if case .map(let entries) = self { return entries }
        return []
    }

    /// The one key of a map such as `{"Fn::Sub": …}`, when it names an intrinsic function.
    var intrinsic: (name: String, argument: TemplateValue)? {
        guard case .map(let entries) = self, entries.count == 1 else { return nil }
        let key = entries[0].key
        guard key == "Ref" || key.hasPrefix("Fn::") else { return nil }
        return (key, entries[0].value)
    }

    /// A shallow merge where `other` wins, except that maps merge key by key, as SAM applies `Globals`.
    func merging(_ other: TemplateValue) -> TemplateValue {
        guard case .map(var mine) = self, case .map(let theirs) = other, intrinsic == nil, other.intrinsic == nil
        else { return other }
        for entry in theirs {
            if let index = mine.firstIndex(where: { $0.key == entry.key }) {
                mine[index].value = mine[index].value.merging(entry.value)
            } else {
                mine.append(entry)
            }
        }
        return .map(mine)
    }
}

/// Resolves the intrinsic functions a local run can answer: `Ref` to parameters (their default), pseudo
/// parameters and resources (their logical id), `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::GetAtt` (as
/// `Resource.Attribute`) and `Fn::Base64`'s argument.
struct IntrinsicResolver: Sendable {
    var parameters: [String: String]
    /// Parameters of a list type (`CommaDelimitedList`, `List<…>`), whose value is comma-separated.
    var listParameters: Set<String> = []
    var resourceIDs: Set<String>

    static let pseudoParameters = [
        "AWS::AccountId": "123456789012", "AWS::Region": "us-east-1", "AWS::Partition": "aws",
        "AWS::StackName": "local", "AWS::StackId": "local", "AWS::URLSuffix": "amazonaws.com",
        "AWS::NotificationARNs": "",
    ]

    /// The value as text, or `nil` for `AWS::NoValue` and nulls.
    ///
    /// - Throws: ``GatewayError`` `template_invalid` naming `location` for an intrinsic it cannot resolve.
    func string(_ value: TemplateValue, at location: String) throws(GatewayError) -> String? {
        switch value {
        case .null: return nil
        case .scalar(let text): return text
        case .list: throw .templateInvalid("\(location) must be a single value, not a list")
        case .map:
            guard let (name, argument) = value.intrinsic else {
                throw .templateInvalid("\(location) must be a single value, not a mapping")
            }
            return try resolve(name, argument, at: location)
        }
    }

    /// The value as a list of texts: a YAML list of single values, a `Ref` to a list parameter (split at its
    /// commas), or one value.
    ///
    /// - Throws: ``GatewayError`` `template_invalid` naming `location` for an intrinsic it cannot resolve.
    func strings(_ value: TemplateValue, at location: String) throws(GatewayError) -> [String] {
        if case .list(let items) = value {
            var texts: [String] = []
            for item in items {
                if let text = try string(item, at: location) { texts.append(text) }
            }
            return texts
        }
        guard let text = try string(value, at: location) else { return [] }
        if let (name, argument) = value.intrinsic, name == "Ref", case .scalar(let parameter) = argument,
            listParameters.contains(parameter)
        {
            return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return [text]
    }

    private func resolve(_ name: String, _ argument: TemplateValue, at location: String) throws(GatewayError)
        -> String?
    {
        switch name {
        case "Ref":
            guard let reference = try string(argument, at: location) else { return nil }
            return try reference == "AWS::NoValue" ? nil : ref(reference, at: location)
        case "Fn::Sub":
            var variables: [String: String] = [:]
            var template = argument
            if case .list(let items) = argument, let first = items.first {
                template = first
                for entry in items.dropFirst().first?.entries ?? [] {
                    variables[entry.key] = try string(entry.value, at: location) ?? ""
                }
            }
            return try substitute(try string(template, at: location) ?? "", variables: variables, at: location)
        case "Fn::Join":
            guard case .list(let items) = argument, items.count == 2, case .list(let parts) = items[1] else {
                throw .templateInvalid("\(location): Fn::Join takes [delimiter, [values]]")
            }
            let delimiter = try string(items[0], at: location) ?? ""
            var texts: [String] = []
            for part in parts {
                if let text = try string(part, at: location) { texts.append(text) }
            }
            return texts.joined(separator: delimiter)
        case "Fn::Select":
            guard case .list(let items) = argument, items.count == 2, case .list(let choices) = items[1],
                let index = try string(items[0], at: location).flatMap({ Int($0) }), choices.indices.contains(index)
            else { throw .templateInvalid("\(location): Fn::Select takes [index, [values]] with a valid index") }
            return try string(choices[index], at: location)
        case "Fn::GetAtt":
            if case .list(let items) = argument {
                var parts: [String] = []
                for item in items { parts.append(try string(item, at: location) ?? "") }
                return parts.joined(separator: ".")
            }
            return try string(argument, at: location)
        case "Fn::Base64":
            return try string(argument, at: location)
        default:
            throw .templateInvalid("\(location) uses \(name), which cannot be resolved locally")
        }
    }

    private func ref(_ name: String, at location: String) throws(GatewayError) -> String {
        if let value = parameters[name] ?? Self.pseudoParameters[name] { return value }
        if resourceIDs.contains(name) || name == "ServerlessHttpApi" || name == "ServerlessRestApi" { return name }
        throw .templateInvalid("\(location) refers to \(name), which is not a parameter or resource of the template")
    }

    /// `${Name}` is a variable, a parameter, a pseudo parameter or a resource; `${Resource.Attribute}` stays
    /// as that text; `${!Literal}` is written as `${Literal}`.
    private func substitute(_ text: String, variables: [String: String], at location: String) throws(GatewayError)
        -> String
    {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw .templateInvalid("\(location): Fn::Sub has an unclosed ${")
            }
            let name = String(rest[start.upperBound..<end])
            if name.hasPrefix("!") {
                result += "${\(name.dropFirst())}"
            } else if let value = variables[name] {
                result += value
            } else if name.contains(".") {
                result += name
            } else {
                result += try ref(name, at: location)
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}
