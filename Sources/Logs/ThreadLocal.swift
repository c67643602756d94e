import Glibc

/// One value per thread, made on the thread's first use and kept for the process's life (the
/// threads that log, NIO's event loops and pools, live as long): what `BufferedLines`, `LogClock`
/// and the request metrics keep per thread so that two event loops never contend for a lock or a
/// cache line.
///
/// `@unchecked Sendable`: it holds a pthread key (a number); each thread reaches only its own value.
public final class ThreadLocal<Value: AnyObject>: @unchecked Sendable {
    /// A `let`: read on every use, without the exclusivity check a `var` of a class costs.
    private let key: pthread_key_t
    private let make: () -> Value

    public init(_ make: @escaping () -> Value) {
        self.make = make
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no pthread key left")
        self.key = key
    }

    /// This thread's value; `made` sees a value the first time this thread asks.
    public func value(made: (Value) -> Void = { _ in }) -> Value {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<Value>.fromOpaque(pointer).takeUnretainedValue()
        }
        let value = make()
        // Retained for the process's life: the thread's slot holds it.
        pthread_setspecific(key, Unmanaged.passRetained(value).toOpaque())
        made(value)
        return value
    }
}
