import Dispatch
import Glibc

/// The signals `serve` answers: SIGINT and SIGTERM stop it (`onStop`, once: it stops accepting
/// and drains); SIGHUP asks it to reload what it can (`onReload`, every time) and never stops it,
/// whether an operator sent it or a closing terminal did.
final class ServeSignals {
    private let sources: [any DispatchSourceSignal]

    init(onStop: @escaping @Sendable () -> Void, onReload: @escaping @Sendable () -> Void) {
        sources = [(SIGINT, onStop), (SIGTERM, onStop), (SIGHUP, onReload)].map { number, handler in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
    }
}
