import Foundation
import PluginAPI
import Storage

/// Opens the datasources a stage names in its `with:` block (`input`, `lightly`), with the
/// shared `endpoint`, `region` and `profile` options; used by `upload` and `schedule`.
enum DatasourceParameters {
    /// The datasource of URL parameter `name`, relative paths resolved against the pipeline folder.
    /// - Throws: ``StageError`` (from a ``StorageError``) for a bad URL, endpoint or credentials.
    static func open(_ name: String, context: any StageContext, environment: [String: String]) throws -> any BlobStore {
        try open(name, parameters: context.parameters, pipelineDirectory: context.pipelineDirectory, environment: environment)
    }

    /// The same, outside a stage (`orchestrate rounds`), from a stage's `with:` values.
    static func open(_ name: String, parameters: Parameters, pipelineDirectory: URL, environment: [String: String]) throws -> any BlobStore {
        func option(_ name: String) -> String? { parameters.optionalString(name).flatMap { $0.isEmpty ? nil : $0 } }
        let url = try parameters.string(name)
        return try mapped {
            try Datasources.open(
                url, relativeTo: pipelineDirectory, endpoint: option("endpoint"), region: option("region"),
                profile: option("profile"), environment: environment)
        }
    }

    /// The parameters every datasource-reading stage declares, with `upload`'s defaults. They flow
    /// along `needs`: a `schedule` or `export` below an `upload` uses its datasources unless given.
    static let specs: [ParameterSpec] = [
        ParameterSpec("input", .url, default: .string("datasource/input"), flowsAlongNeeds: true,
                      doc: "The input datasource for the videos: a directory, file:///dir or s3://bucket/prefix."),
        ParameterSpec("lightly", .url, default: .string("datasource/lightly"), flowsAlongNeeds: true,
                      doc: "The Lightly datasource for .lightly/predictions and .lightly/metadata."),
        ParameterSpec("endpoint", .string, default: .string(""), flowsAlongNeeds: true,
                      doc: "S3-compatible endpoint URL (MinIO, Ceph, R2); else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL. Implies path-style addressing."),
        ParameterSpec("region", .string, default: .string(""), flowsAlongNeeds: true,
                      doc: "S3 region; else AWS_REGION, AWS_DEFAULT_REGION, then us-east-1."),
        ParameterSpec("profile", .string, default: .string(""), flowsAlongNeeds: true,
                      doc: "Profile in the AWS credentials file; else the AWS_* variables or AWS_PROFILE."),
    ]
}
