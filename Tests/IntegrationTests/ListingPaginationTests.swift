import Foundation
import Testing

/// `tags/list` and `_catalog` pages with `n`, `last` and `Link`, also when the upstream ignores
/// them (a license proxy sends every tag and repository at once; the fake does the same).
@Suite struct ListingPaginationTests {
    @Test func tagsOfAnUpstreamThatIgnoresNArePagedByStowage() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }

        let all = try await HTTP.get("\(stowage.url)/v2/good/app/tags/list")
        #expect(all.status == 200)
        #expect(all.text == #"{"name":"good/app","tags":["latest","2.0","1.1","1.0","0.9"]}"#, "no page asked for: the upstream's list as it is")
        #expect(all.header("Link") == nil)

        let pages = [
            (#"{"name":"good/app","tags":["0.9","1.0"]}"#, #"</v2/good/app/tags/list?n=2&last=1.0>; rel="next""#),
            (#"{"name":"good/app","tags":["1.1","2.0"]}"#, #"</v2/good/app/tags/list?n=2&last=2.0>; rel="next""#),
            (#"{"name":"good/app","tags":["latest"]}"#, nil),
        ]
        var path = "/v2/good/app/tags/list?n=2"
        for (body, link) in pages {
            let page = try await HTTP.get(stowage.url + path)
            #expect(page.status == 200)
            #expect(page.text == body, "\(path)")
            #expect(page.header("Link") == link, "\(path)")
            if let link { path = String(link.dropFirst().prefix { $0 != ">" }) }
        }
        let asked = try await faulty.requests(containing: "/v2/good/app/tags/list?n=2")
        #expect(!asked.isEmpty, "the page size is passed on, for upstreams that honour it")
    }

    @Test func theCatalogOfAnUpstreamThatIgnoresNIsPagedByStowage() async throws {
        let faulty = try await Fixtures.faultyUpstream()
        let stowage = try await StowageServer.start(upstream: faulty.url)
        defer { Task { await stowage.stop() } }
        let repositories = ["chunked/app", "corrupt/app", "dropped/app", "flip/app", "good/app", "hang/app", "missing/app", "ratelimited/app",
                            "redirect/app", "slow/app", "stalled/app", "truncated/app"]
        #expect(try await catalogPages(stowage.url, query: "n=3") == repositories)
        let first = try await HTTP.get("\(stowage.url)/v2/_catalog?n=3")
        #expect(first.text == #"{"repositories":["chunked/app","corrupt/app","dropped/app"]}"#)
        #expect(first.header("Link") == #"</v2/_catalog?n=3&last=dropped/app>; rel="next""#)
    }

    @Test func theCatalogOfARegistryThatPagesIsCollectedWholeAndPagedAgain() async throws {
        let upstream = try await Fixtures.basicUpstream()
        let stowage = try await StowageServer.start(upstream: upstream.url)
        defer { Task { await stowage.stop() } }
        let names = try await catalogPages(stowage.url, query: "n=1")
        #expect(names == ["app/docker-v2", "app/multi", "app/oci", "charts/mychart"])
    }
}
