import Cache
import OCI
import Testing

@Suite struct ListingPageTests {
    @Test func withoutPaginationEveryNameComesOnceInByteOrder() {
        let page = ListingPage.paginating(["b", "a", "B", "a"], Pagination())
        #expect(page == ListingPage(names: ["B", "a", "b"], nextQuery: nil))
    }

    @Test func nLimitsThePageAndTheNextQueryStartsAfterItsLastName() {
        let page = ListingPage.paginating(["d", "c", "b", "a"], Pagination(count: 2))
        #expect(page == ListingPage(names: ["a", "b"], nextQuery: "n=2&last=b"))
        let next = ListingPage.paginating(["d", "c", "b", "a"], Pagination(count: 2, last: "b"))
        #expect(next == ListingPage(names: ["c", "d"], nextQuery: nil))
    }

    @Test func lastNeedNotBeInTheList() {
        #expect(ListingPage.paginating(["a", "c", "e"], Pagination(last: "b")).names == ["c", "e"])
        #expect(ListingPage.paginating(["a", "c", "e"], Pagination(last: "z")).names == [])
    }

    @Test func zeroIsAnEmptyPageWithNoNext() {
        #expect(ListingPage.paginating(["a"], Pagination(count: 0)) == ListingPage(names: [], nextQuery: nil))
    }

    @Test func bodiesAreDistributionShaped() {
        let page = ListingPage(names: ["1.0", "x\"y"], nextQuery: nil)
        #expect(String(decoding: page.tagsBody(repository: "org/app"), as: UTF8.self) == #"{"name":"org/app","tags":["1.0","x\"y"]}"#)
        #expect(String(decoding: page.catalogBody(), as: UTF8.self) == #"{"repositories":["1.0","x\"y"]}"#)
    }
}
