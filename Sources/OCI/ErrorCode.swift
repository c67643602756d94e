/// The OCI distribution error codes Stowage answers with, and the HTTP status each one travels with.
public enum ErrorCode: String, Sendable, CaseIterable {
    case nameInvalid = "NAME_INVALID"
    case digestInvalid = "DIGEST_INVALID"
    case tagInvalid = "TAG_INVALID"
    case rangeInvalid = "RANGE_INVALID"
    case paginationNumberInvalid = "PAGINATION_NUMBER_INVALID"
    case unauthorized = "UNAUTHORIZED"
    case denied = "DENIED"
    case nameUnknown = "NAME_UNKNOWN"
    case manifestUnknown = "MANIFEST_UNKNOWN"
    case blobUnknown = "BLOB_UNKNOWN"
    case unsupported = "UNSUPPORTED"
    case tooManyRequests = "TOOMANYREQUESTS"
    case unavailable = "UNAVAILABLE"
    case unknown = "UNKNOWN"

    public var httpStatus: Int {
        switch self {
        case .nameInvalid, .digestInvalid, .tagInvalid, .paginationNumberInvalid: 400
        case .unauthorized: 401
        case .denied: 403
        case .nameUnknown, .manifestUnknown, .blobUnknown: 404
        case .unsupported: 405
        case .rangeInvalid: 416
        case .tooManyRequests: 429
        case .unknown: 502
        case .unavailable: 503
        }
    }
}
