import Foundation
import JSON

/// A Swift type an ``Option`` reads a parameter as: the ``ParameterType`` it declares, how a
/// default is written in `with:` terms, and how a type-checked value becomes it.
public protocol ParameterValue: Sendable {
    /// The type validation checks `with:` values against.
    static var parameterType: ParameterType { get }
    /// The value as `with:` gives it: what a declared default becomes in ``ParameterSpec``.
    var parameterValue: JSONValue { get }
    /// A parameter's checked value as this type (`file`: the engine's resolution of it); `nil`
    /// when it is missing or of another type, which validation rules out for declared parameters.
    static func read(_ value: JSONValue?, file: ResolvedFile?) -> Self?
}

extension Int: ParameterValue {
    public static var parameterType: ParameterType { .integer }
    public var parameterValue: JSONValue { .int(self) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> Int? { value?.intValue }
}

extension Double: ParameterValue {
    public static var parameterType: ParameterType { .number }
    /// Whole numbers as integers, so that a default reads `0` in the parameter table.
    public var parameterValue: JSONValue { rounded() == self && abs(self) < 1e15 ? .int(Int(self)) : .double(self) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> Double? { value?.doubleValue }
}

extension Bool: ParameterValue {
    public static var parameterType: ParameterType { .boolean }
    public var parameterValue: JSONValue { .bool(self) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> Bool? { value?.boolValue }
}

extension String: ParameterValue {
    public static var parameterType: ParameterType { .string }
    public var parameterValue: JSONValue { .string(self) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> String? { value?.stringValue }
}

/// Any JSON value, as validation leaves it (`.any`).
extension JSONValue: ParameterValue {
    public static var parameterType: ParameterType { .any }
    public var parameterValue: JSONValue { self }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> JSONValue? { value }
}

/// A JSON object (`.object`) whose structure the stage checks itself.
extension Dictionary: ParameterValue where Key == String, Value == JSONValue {
    public static var parameterType: ParameterType { .object }
    public var parameterValue: JSONValue { .object(self) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> [String: JSONValue]? { value?.objectValue }
}

/// A list of values of one type (`.list`).
extension Array: ParameterValue where Element: ParameterValue {
    public static var parameterType: ParameterType { .list(Element.parameterType) }
    public var parameterValue: JSONValue { .array(map(\.parameterValue)) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> [Element]? {
        guard let values = value?.arrayValue else { return nil }
        let elements = values.compactMap { Element.read($0, file: nil) }
        return elements.count == values.count ? elements : nil
    }
}

/// A parameter whose default is `null`: `nil` until `with:` sets it.
extension Optional: ParameterValue where Wrapped: ParameterValue {
    public static var parameterType: ParameterType { Wrapped.parameterType }
    public var parameterValue: JSONValue { map(\.parameterValue) ?? .null }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> Wrapped?? {
        guard let value, value != .null else { return .some(nil) }
        return Wrapped.read(value, file: file).map { .some($0) }
    }
}

/// A `duration` parameter, which validation gives in seconds. A default is written the way a
/// pipeline writes it, in its largest whole unit (`.seconds(7 * 86_400)` is `7d`, `.seconds(90)`
/// `90s`, `.milliseconds(1500)` `1500ms`), so that the parameter table and `orchestrate plugins`
/// show `7d`, not `604800`; the engine reads that text back to seconds as it reads `with:`.
extension Duration: ParameterValue {
    public static var parameterType: ParameterType { .duration }
    public var parameterValue: JSONValue { .string(durationText) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> Duration? { value?.doubleValue.map { .seconds($0) } }

    /// `7d`, `20m`, `90s`, `1500ms`, `0s`; a duration finer than a millisecond as seconds (`0.0001s`).
    var durationText: String {
        let (seconds, attoseconds) = components
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        guard attoseconds % attosecondsPerMillisecond == 0 else {
            return "\(ParameterRange.format(Double(seconds) + Double(attoseconds) / 1e18))s"
        }
        let milliseconds = seconds * 1000 + attoseconds / attosecondsPerMillisecond
        guard milliseconds != 0 else { return "0s" }
        let units: [(name: String, milliseconds: Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        let unit = units.first { milliseconds % $0.milliseconds == 0 } ?? ("ms", 1)
        return "\(milliseconds / unit.milliseconds)\(unit.name)"
    }
}

/// A `file` parameter: the engine resolves it with its digest (``Parameters/files``).
extension ResolvedFile: ParameterValue {
    public static var parameterType: ParameterType { .file }
    public var parameterValue: JSONValue { .string(url.path) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> ResolvedFile? { file }
}

/// A choice (`.oneOf`) read as the enum whose raw values are its choices: conform the enum to
/// ``ParameterValue`` and these do the rest.
extension ParameterValue where Self: RawRepresentable & CaseIterable, RawValue == String {
    public static var parameterType: ParameterType { .oneOf(allCases.map(\.rawValue)) }
    public var parameterValue: JSONValue { .string(rawValue) }
    public static func read(_ value: JSONValue?, file: ResolvedFile?) -> Self? { value?.stringValue.flatMap(Self.init) }
}
