import OCI
import Testing

@Suite struct PaginationTests {
    @Test func readsCountAndLast() {
        #expect(Pagination.parse("n=10&last=v1.2") == .success(Pagination(count: 10, last: "v1.2")))
        #expect(Pagination.parse("n=10&last=v1.2").map(\.query) == .success("n=10&last=v1.2"))
    }

    @Test func ignoresOtherParameters() {
        #expect(Pagination.parse("foo=bar&ns=docker.io") == .success(Pagination()))
        #expect(Pagination.parse(nil).map(\.query) == .success(nil))
    }

    @Test(arguments: ["n=x", "n=-1", "n=", "last=a%20b", "last=a#b"])
    func rejectsBadValuesAsPaginationNumberInvalid(_ query: String) {
        guard case .failure(let error) = Pagination.parse(query) else {
            Issue.record("accepted \(query)")
            return
        }
        #expect(error.code == .paginationNumberInvalid)
        #expect(error.status == 400)
    }
}
