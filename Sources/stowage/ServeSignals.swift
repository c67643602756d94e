import Dispatch
import Glibc

/// The signals `serve` answers: SIGTERM and SIGINT stop it (`onStop`, with whether it was SIGINT,
/// an operator at a terminal; each time, see `Drain`); SIGHUP asks it to reload what it can
/// (`onReload`, every time) and never stops it, whether an operator sent it or a closing terminal did.
final class ServeSignals {
    private let sources: [any DispatchSourceSignal]

    init(onStop: @escaping @Sendable (_ interrupted: Bool) -> Void, onReload: @escaping @Sendable () -> Void) {
        let handlers: [(Int32, @Sendable () -> Void)] = [(SIGINT, { onStop(true) }), (SIGTERM, { onStop(false) }), (SIGHUP, onReload)]
        sources = handlers.map { number, handler in
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
