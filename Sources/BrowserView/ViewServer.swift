import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for a view folder (`orchestrate serve`): GET serves the
/// folder's files, requests under `/api/` go to a handler. One connection at a time, each closed
/// after its response: the page's requests are few and local, and nothing else may connect.
public struct ViewServer: Sendable {
    /// A request the handler answers.
    public struct Request: Sendable {
        public var method: String
        /// The path without its query, percent-decoded (`/api/triage`).
        public var path: String
        public var body: Data
    }

    /// A response: status, content type and body.
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: Data

        public init(status: Int, contentType: String = "application/json", body: Data) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        /// `{"error": message}` with `status`.
        public static func error(_ status: Int, _ message: String) -> Response {
            let body = (try? JSONSerialization.data(withJSONObject: ["error": message])) ?? Data()
            return Response(status: status, body: body)
        }
    }

    public let folder: URL
    public let handler: @Sendable (Request) async -> Response
    private let socket: Int32
    /// The port bound (the one asked for, or the system's choice for 0).
    public let port: Int

    /// Binds 127.0.0.1:`port` (0: any free port).
    /// - Throws: ``ViewError`` when the port cannot be bound (in use, privileged).
    public init(folder: URL, port: Int, handler: @escaping @Sendable (Request) async -> Response) throws {
        self.folder = folder.standardizedFileURL
        self.handler = handler
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ViewError(.io, "cannot open a socket: \(Self.reason())", path: "127.0.0.1:\(port)") }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            let reason = Self.reason()
            close(descriptor)
            throw ViewError(.io, "cannot listen: \(reason) (is another server on this port? choose another with --port)", path: "127.0.0.1:\(port)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        socket = descriptor
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Answers connections until the task is cancelled; waits for one in slices of a tenth of a
    /// second, so cancellation is noticed.
    public func serve() async throws {
        defer { close(socket) }
        while !Task.isCancelled {
            var ready = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) > 0 else { await Task.yield(); continue }
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { continue }
            await answer(connection)
            close(connection)
        }
    }

    private func answer(_ connection: Int32) async {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = Self.read(connection) else {
            return Self.send(.error(400, "not an HTTP request"), to: connection)
        }
        if request.path.hasPrefix("/api/") {
            return Self.send(await handler(request), to: connection)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return Self.send(.error(405, "\(request.method) is not allowed on files"), to: connection)
        }
        Self.send(file(request.path), to: connection)
    }

    /// A file of the folder; never one outside it.
    private func file(_ path: String) -> Response {
        let relative = path == "/" ? "index.html" : String(path.dropFirst())
        let url = folder.appendingPathComponent(relative).standardizedFileURL
        guard url.path.hasPrefix(folder.path + "/"), let data = FileManager.default.contents(atPath: url.path) else {
            return .error(404, "no file '\(path)' in the view")
        }
        return Response(status: 200, contentType: Self.contentTypes[url.pathExtension] ?? "application/octet-stream", body: data)
    }

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "json": "application/json", "jpg": "image/jpeg", "png": "image/png",
    ]

    /// The request line, headers and `Content-Length` bytes of body; nil for anything else.
    private static func read(_ connection: Int32) -> Request? {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0, buffer.count < 1 << 20 else { return nil }
            buffer.append(contentsOf: chunk[0..<count])
            headerEnd = buffer.range(of: separator)
        }
        guard let headerEnd else { return nil }
        let head = String(decoding: buffer[..<headerEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        let length = head.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        guard length <= 64 << 20 else { return nil }
        var body = Data(buffer[headerEnd.upperBound...])
        while body.count < length {
            let count = recv(connection, &chunk, min(chunk.count, length - body.count), 0)
            guard count > 0 else { return nil }
            body.append(contentsOf: chunk[0..<count])
        }
        let target = requestLine[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        return Request(method: String(requestLine[0]), path: target.removingPercentEncoding ?? target, body: body)
    }

    private static func send(_ response: Response, to connection: Int32) {
        let reason = [200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 500: "Internal Server Error"]
        var data = Data("""
            HTTP/1.1 \(response.status) \(reason[response.status] ?? "Status")\r
            Content-Type: \(response.contentType)\r
            Content-Length: \(response.body.count)\r
            Cache-Control: no-store\r
            Connection: close\r
            \r

            """.utf8)
        data.append(response.body)
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let sent = Glibc.send(connection, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                guard sent > 0 else { return }
                offset += sent
            }
        }
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
