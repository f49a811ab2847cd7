import Foundation
import TestSupport

/// Signatures computed by botocore (installed with moto in `.venv`) at a fixed time, for comparison.
enum Botocore {
    struct Request: Codable {
        var method: String
        var url: String
        var headers: [String: String]
        var body: String
        var timestamp: String
        var region: String
        var mode: String  // "header" or "presign"
        var expires: Int
    }

    // Freezes botocore's clock at the request's timestamp, then signs with S3SigV4Auth (headers)
    // or S3SigV4QueryAuth (presigned URL).
    private static let script = #"""
import datetime, json, sys
from unittest import mock
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

req = json.load(sys.stdin)
fixed = datetime.datetime.strptime(req["timestamp"], "%Y%m%dT%H%M%SZ")
class FrozenDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls): return fixed
    @classmethod
    def now(cls, tz=None): return fixed.replace(tzinfo=tz) if tz else fixed
credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
request = AWSRequest(method=req["method"], url=req["url"], headers=req["headers"], data=req["body"].encode())
with mock.patch.object(botocore.auth.datetime, "datetime", FrozenDatetime):
    if req["mode"] == "header":
        botocore.auth.S3SigV4Auth(credentials, "s3", req["region"]).add_auth(request)
        print(json.dumps({"authorization": request.headers["Authorization"]}))
    else:
        botocore.auth.S3SigV4QueryAuth(credentials, "s3", req["region"], expires=req["expires"]).add_auth(request)
        print(json.dumps({"url": request.url}))
"""#

    static func sign(_ request: Request) async throws -> [String: String] {
        let output = try await ChildProcess.checked(MotoServer.pythonPath.path, ["-c", script], stdin: try JSONEncoder().encode(request)).stdout
        return try JSONDecoder().decode([String: String].self, from: output)
    }
}
