/// Who an access rule lets read the repositories it matches.
public enum Grant: Sendable, Equatable {
    /// Everyone, with or without credentials.
    case anonymous
    /// Any user who presents valid credentials.
    case authenticated
    /// These users only.
    case users(Set<String>)
    /// No one: closes the repositories it matches (an operator's way to take one out of service).
    case nobody
}
